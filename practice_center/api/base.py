"""The one base for API viewsets: every queryset is restricted to what the caller may see.

As NetBox's `BaseViewSet` does, the restriction happens in `get_queryset`, so a new endpoint
that inherits from these classes cannot forget it. The model's queryset must offer
`visible_to(user)` (the one scoping method of each model).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, viewsets


class ScopedQuerysetMixin:
    """`get_queryset()` = the class's `queryset`, then `.visible_to(request.user)`.

    `visibility` names another scoping method of the queryset where an endpoint shows a
    different set (the wish wall: `on_wish_wall_of`); it is still the model's own method.
    """

    visibility = "visible_to"

    def get_queryset(self):
        queryset = super().get_queryset()  # type: ignore[misc]
        restrict = getattr(queryset, self.visibility, None)
        if restrict is None:
            raise ImproperlyConfigured(f"{queryset.model.__name__} has no {self.visibility}(user) on its queryset")
        return restrict(self.request.user)


class ScopedGenericViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """A viewset whose objects (list, retrieve, actions) are only those the caller may see."""


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve, scoped to the caller."""


class ScopedListRetrieveCreateViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """List, retrieve and create, scoped to the caller."""
