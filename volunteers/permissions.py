"""Who may do what with volunteers, teams and hours: predicates the services raise on and the
pages, templates and serializers ask (`may_<verb>(user, obj) -> bool`)."""

from __future__ import annotations

from practice_center.permissions import may_see_phone, phone_for
from practice_center.scoping import scope
from volunteers.models import RecordStatus, VolunteerStatus


def manages_volunteer(user, volunteer) -> bool:
    """Staff of the station that certifies the volunteer (or of a site above it)."""
    return scope(user).manages_site(volunteer.site)


def may_decide_volunteer(user, volunteer) -> bool:
    """Approve or reject a registration: staff of its station, while it is pending."""
    return volunteer.status == VolunteerStatus.PENDING and manages_volunteer(user, volunteer)


def may_verify_record(user, record) -> bool:
    """Certify or reject hours: staff of the volunteer's station, while the record is pending."""
    return record.status == RecordStatus.PENDING and manages_volunteer(user, record.volunteer)


def may_reject_record(user, record) -> bool:
    """Reject hours: staff of the volunteer's station, while pending or after verifying them
    (found wrong later; the points they earned are reversed)."""
    return record.status in (RecordStatus.PENDING, RecordStatus.VERIFIED) and manages_volunteer(user, record.volunteer)


def may_create_team(user, site) -> bool:
    """Create a team at `site`: its staff (or staff above it)."""
    return scope(user).manages_site(site)


def may_name_leader(user, team) -> bool:
    """Name a team's leader: staff of the team's site."""
    return scope(user).manages_site(team.site)


def may_add_member(user, team) -> bool:
    """Add a member: staff of the team's site or the team's leader."""
    sc = scope(user)
    return sc.manages_site(team.site) or sc.leads_team(team.pk)


def may_see_volunteer_phone(viewer, volunteer, *, team=None) -> bool:
    """The volunteer's phone in full: `practice_center.permissions.may_see_phone` with the
    certifying station (or, on a team's page, the team's site), and the team's leader."""
    also_site = team.site if team is not None else volunteer.site
    if may_see_phone(viewer, volunteer.user, also_site=also_site):
        return True
    return team is not None and scope(viewer).leads_team(team.pk)


def volunteer_phone(viewer, volunteer, *, team=None) -> str:
    """The volunteer's phone as `viewer` may see it: in full or masked."""
    if may_see_volunteer_phone(viewer, volunteer, team=team):
        return volunteer.user.phone or ""
    return phone_for(None, volunteer.user)
