"""Serializer pieces shared by the apps' APIs."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practice_center.permissions import phone_for


@extend_schema_field(OpenApiTypes.STR)  # the schema: a plain (possibly masked) string
class MaskedPhoneField(serializers.Field):
    """A phone number shown in full only to the person and to staff who manage them.

    The serializer context carries `request`; `practice_center.permissions.may_see_phone`
    decides (the same predicate as the pages and exports).
    """

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value

    def get_attribute(self, instance):
        person = instance if hasattr(instance, "phone") else getattr(instance, "user", None)
        request = self.context.get("request")
        return phone_for(getattr(request, "user", None), person)
