"""Menu entries and home buttons of the volunteers app, per role."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from practice_center.navigation import NavItem
from practice_center.scoping import scope
from volunteers.models import RecordStatus, ServiceRecord, Volunteer, VolunteerStatus


def _own_volunteer(request) -> Volunteer | None:
    # nav_items and home_actions both ask; look it up once per request.
    if not hasattr(request, "_own_volunteer"):
        request._own_volunteer = Volunteer.objects.filter(user=request.user).only("pk", "status").first()
    return request._own_volunteer


def nav_items(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    items = []
    if _own_volunteer(request) is not None:
        items.append(NavItem(_("Volunteering"), reverse("volunteers:mine"), order=40))
    if sc.is_staff_anywhere:
        items.append(NavItem(_("Approvals"), reverse("volunteers:pending"), order=41))
        items.append(NavItem(_("Hours to verify"), reverse("volunteers:records"), order=42))
    if sc.is_staff_anywhere or sc.team_ids_led:
        items.append(NavItem(_("Teams"), reverse("volunteers:team_list"), order=43))
    return items


def home_actions(request) -> list[NavItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    sc = scope(user)
    actions = []
    for team_id in sc.team_ids_led[:1]:
        actions.append(NavItem(_("My team"), reverse("volunteers:team_detail", args=[team_id]), order=12))
    volunteer = _own_volunteer(request)
    if volunteer is not None:
        label = (
            _("My hours and stars") if volunteer.status == VolunteerStatus.APPROVED else _("My volunteer registration")
        )
        actions.append(NavItem(label, reverse("volunteers:mine"), order=20))
    elif user.household_id:
        actions.append(NavItem(_("Become a volunteer"), reverse("volunteers:register"), order=30))
    if sc.is_staff_anywhere:
        pending = Volunteer.objects.managed_by(user).filter(status=VolunteerStatus.PENDING).count()
        to_verify = ServiceRecord.objects.managed_by(user).filter(status=RecordStatus.PENDING).count()
        actions.append(
            NavItem(_("Volunteer approvals"), reverse("volunteers:pending"), order=40, badge=pending or None)
        )
        actions.append(NavItem(_("Hours to verify"), reverse("volunteers:records"), order=41, badge=to_verify or None))
        actions.append(NavItem(_("Teams"), reverse("volunteers:team_list"), order=45))
    return actions
