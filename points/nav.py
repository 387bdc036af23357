"""Menu entries and home buttons of the points app (collected by practice_center.navigation)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from points.permissions import is_staff
from points.selectors import balance_of
from practice_center.navigation import NavItem


def nav_items(request) -> list[NavItem]:
    """The menu entries: points for everybody signed in; the desks for staff."""
    user = request.user
    if not user.is_authenticated:
        return []
    items = [NavItem(_("Points"), reverse("points:home"), order=40)]
    if is_staff(user):
        items.append(NavItem(_("Hand over goods"), reverse("points:fulfil"), order=41))
        items.append(NavItem(_("Products and stock"), reverse("points:products"), order=44))
    return items


def home_actions(request) -> list[NavItem]:
    """The home page's buttons: my points and the shop for residents; the desks for staff."""
    user = request.user
    if not user.is_authenticated:
        return []
    actions = []
    if user.household_id:
        actions.append(
            NavItem(_("My points"), reverse("points:home"), order=40, badge=balance_of(user.household) or None)
        )
        actions.append(NavItem(_("Points supermarket"), reverse("points:shop"), order=41))
    if is_staff(user):
        actions.append(NavItem(_("Award points"), reverse("points:award"), order=42))
        actions.append(NavItem(_("Hand over goods"), reverse("points:fulfil"), order=43))
        actions.append(NavItem(_("Products and stock"), reverse("points:products"), order=44))
    return actions
