"""Serializer pieces shared by the apps' APIs."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practice_center.text import mask_phone


@extend_schema_field(OpenApiTypes.STR)  # the schema: a plain (possibly masked) string
class MaskedPhoneField(serializers.Field):
    """A phone number shown in full only to the person and to staff who manage them.

    The serializer context carries `request`; the view decides with `show_phone(obj)`.
    """

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value

    def get_attribute(self, instance):
        from practice_center.scoping import scope

        user = instance if hasattr(instance, "phone") else getattr(instance, "user", None)
        phone = getattr(user, "phone", None) or ""
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and viewer.is_authenticated:
            if viewer.pk == getattr(user, "pk", None):
                return phone
            household = getattr(user, "household", None)
            if household is not None and scope(viewer).manages_household(household):
                return phone
        return mask_phone(phone)
