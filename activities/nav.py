"""Menu entries and home buttons of the menu and orders (see practice_center.navigation)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from activities.sessions import nav as sessions_nav
from practice_center.navigation import NavItem
from practice_center.scoping import scope


def nav_items(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    items = [NavItem(_("Service menu"), reverse("activities:menu"), order=20)]
    if user.household_id:
        items.append(NavItem(_("My orders"), reverse("activities:my_orders"), order=21))
    items.append(NavItem(_("Wish wall"), reverse("activities:wishes"), order=22))
    if sc.team_ids_led:
        items.append(NavItem(_("My team's orders"), reverse("activities:team_orders"), order=23))
    if sc.is_staff_anywhere:
        items.append(NavItem(_("Dispatch queue"), reverse("activities:queue"), order=24))
    return items + sessions_nav.nav_items(request)


def home_actions(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    actions = []
    if user.household_id:
        actions += [
            NavItem(_("Order a service"), reverse("activities:menu"), order=10),
            NavItem(_("My orders"), reverse("activities:my_orders"), order=11),
            NavItem(_("Post a micro-wish"), reverse("activities:wish_new"), order=12),
        ]
    if sc.grid_roles:
        actions.append(NavItem(_("Order on behalf of a resident"), reverse("activities:menu"), order=13))
    if sc.team_ids_led:
        actions.append(NavItem(_("My team's orders"), reverse("activities:team_orders"), order=14))
    if sc.is_staff_anywhere:
        actions.append(NavItem(_("Dispatch queue"), reverse("activities:queue"), order=15))
    return actions + sessions_nav.home_actions(request)
