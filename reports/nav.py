"""Menu entries and home buttons of the reports: the reports list, the dashboard."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from practice_center.navigation import NavItem
from practice_center.scoping import scope


def nav_items(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    label = _("Monthly reports") if sc.is_staff_anywhere else _("Bulletins")
    return [NavItem(label, reverse("reports:list"), order=70)]


def home_actions(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated or not scope(user).is_staff_anywhere:
        return []
    from reports.selectors import waiting_for

    waiting = waiting_for(user).count()
    return [NavItem(_("Monthly reports"), reverse("reports:list"), order=65, badge=waiting or None)]
