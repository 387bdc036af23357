"""Menu entries and home buttons of scheduled activities (added by activities/nav.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from practice_center.navigation import NavItem
from practice_center.scoping import scope


def nav_items(request) -> list[NavItem]:
    user = request.user
    items = [
        NavItem(_("Activities"), reverse("activities:session_calendar"), order=25),
        NavItem(_("My activities"), reverse("activities:my_sessions"), order=26),
    ]
    if scope(user).is_staff_anywhere:
        items.append(NavItem(_("Manage activities"), reverse("activities:session_manage"), order=27))
    return items


def home_actions(request) -> list[NavItem]:
    user = request.user
    actions = [NavItem(_("Activities and sign-up"), reverse("activities:session_calendar"), order=16)]
    if scope(user).is_staff_anywhere:
        actions.append(NavItem(_("Manage activities"), reverse("activities:session_manage"), order=17))
    return actions
