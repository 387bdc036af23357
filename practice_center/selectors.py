"""Reads about the organisation that other apps reuse."""

from __future__ import annotations

from django.db.models import QuerySet

from practice_center.models import Role, RoleAssignment, Site, User


def staff_of(site: Site, *, include_above: bool = True, roles=(Role.STATION_STAFF,)) -> QuerySet[User]:
    """People holding a staff role at `site` (and, by default, at any site above it)."""
    ids = site.ancestor_ids() if include_above else [site.pk]
    user_ids = RoleAssignment.objects.filter(site_id__in=ids, role__in=list(roles)).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True)


def staff_one_level_up(site: Site) -> QuerySet[User]:
    """Staff of the nearest site above `site` that has any (used for escalations)."""
    for ancestor_id in reversed(site.ancestor_ids(include_self=False)):
        user_ids = RoleAssignment.objects.filter(
            site_id=ancestor_id, role__in=[Role.STATION_STAFF, Role.CENTER_ADMIN]
        ).values("user_id")
        users = User.objects.filter(pk__in=user_ids, is_active=True)
        if users.exists():
            return users
    return User.objects.none()
