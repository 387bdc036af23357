"""Menu entries and home buttons of the organisation: station, profile, households, sites."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from practice_center.navigation import NavItem
from practice_center.permissions import may_search_audit
from practice_center.scoping import home_station, scope


def nav_items(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    items = [NavItem(_("Sites"), reverse("site_list"), order=80), NavItem(_("Profile"), reverse("profile"), order=95)]
    if sc.is_staff_anywhere or sc.grid_roles:
        items.append(NavItem(_("Households"), reverse("household_list"), order=30))
    if may_search_audit(user):
        items.append(NavItem(_("Audit trail"), reverse("audit_search"), order=85))
    return items


def home_actions(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    actions = []
    station = home_station(user)
    if station is not None and user.household_id:
        actions.append(NavItem(_("My station"), reverse("site_detail", args=[station.pk]), order=10))
    if sc.grid_roles and not sc.is_staff_anywhere:
        actions.append(NavItem(_("My grid's households"), reverse("household_list"), order=15))
    if sc.is_staff_anywhere:
        actions.append(NavItem(_("Households"), reverse("household_list"), order=60))
    actions.append(NavItem(_("My profile"), reverse("profile"), order=90))
    return actions
