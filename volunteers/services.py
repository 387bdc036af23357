"""State changes of volunteers, teams and service records."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice_center.exceptions import NotAllowed
from practice_center.models import Site, SiteLevel, User
from practice_center.scoping import forget_scope, home_station, scope
from volunteers import signals
from volunteers.exceptions import AlreadyRegistered, NotApproved, NotPending
from volunteers.models import (
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
)


def _clean_skills(skills: list[str]) -> list[str]:
    cleaned: list[str] = []
    for skill in skills:
        skill = str(skill).strip()
        if skill and skill not in cleaned:
            cleaned.append(skill[:30])
    return cleaned[:20]


@transaction.atomic
def volunteer_register(
    *,
    user: User,
    real_name: str,
    skills: list[str],
    availability: str = "",
    is_party_member: bool = False,
    site: Site | None = None,
) -> Volunteer:
    """A resident asks to become a volunteer; the station staff approve."""
    if Volunteer.objects.filter(user=user).exists():
        raise AlreadyRegistered()
    site = site or home_station(user)
    if site is None:
        raise ValidationError({"site": _("Join a household of a station before registering as a volunteer.")})
    if not real_name.strip():
        raise ValidationError({"real_name": _("Enter your real name.")})
    try:
        with transaction.atomic():
            return Volunteer.objects.create(
                user=user,
                site=site,
                real_name=real_name.strip(),
                skills=_clean_skills(skills),
                availability=availability.strip(),
                is_party_member=is_party_member,
            )
    except IntegrityError as exc:  # two registrations raced
        raise AlreadyRegistered() from exc


def _decide(*, volunteer: Volunteer, actor: User, status: str) -> Volunteer:
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if not scope(actor).manages_site(volunteer.site):
        raise NotAllowed(_("Only staff of the volunteer's station can decide on the registration."))
    if volunteer.status != VolunteerStatus.PENDING:
        raise NotPending()
    volunteer.status = status
    volunteer.approved_by = actor
    volunteer.approved_at = timezone.now()
    volunteer.save(update_fields=["status", "approved_by", "approved_at"])
    return volunteer


@transaction.atomic
def volunteer_approve(*, volunteer: Volunteer, actor: User) -> Volunteer:
    return _decide(volunteer=volunteer, actor=actor, status=VolunteerStatus.APPROVED)


@transaction.atomic
def volunteer_reject(*, volunteer: Volunteer, actor: User) -> Volunteer:
    return _decide(volunteer=volunteer, actor=actor, status=VolunteerStatus.REJECTED)


@transaction.atomic
def team_create(
    *, site: Site, name: str, actor: User | None, description: str = "", leader: Volunteer | None = None
) -> Team:
    if actor is not None and not scope(actor).manages_site(site):
        raise NotAllowed(_("Only staff of this site can create its teams."))
    if site.level == SiteLevel.BASE and not site.parent_id:
        raise ValidationError({"site": _("A team needs a site inside the network.")})
    team = Team.objects.create(site=site, name=name.strip(), description=description)
    if leader is not None:
        team_set_leader(team=team, volunteer=leader, actor=None)
    return team


@transaction.atomic
def team_add_member(*, team: Team, volunteer: Volunteer, actor: User | None) -> TeamMembership:
    if actor is not None and not (scope(actor).manages_site(team.site) or scope(actor).leads_team(team.pk)):
        raise NotAllowed(_("Only the team leader or staff can add members."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotApproved()
    membership, _created = TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    return membership


@transaction.atomic
def team_set_leader(*, team: Team, volunteer: Volunteer, actor: User | None) -> Team:
    if actor is not None and not scope(actor).manages_site(team.site):
        raise NotAllowed(_("Only staff can name the team leader."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotApproved()
    TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    team.leader = volunteer
    team.save(update_fields=["leader"])
    forget_scope(volunteer.user)
    return team


@transaction.atomic
def service_record_create(
    *,
    volunteer: Volunteer,
    hours: Decimal,
    served_on: datetime.date,
    source: str,
    source_id: int | None,
    description: str,
    actor: User | None,
    verified: bool = False,
) -> ServiceRecord:
    """Record hours served. Idempotent per (volunteer, source, source_id)."""
    hours = Decimal(str(hours))
    if not (Decimal("0") < hours <= Decimal("24")):
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    if source not in RecordSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if source_id is not None:
        existing = ServiceRecord.objects.filter(volunteer=volunteer, source=source, source_id=source_id).first()
        if existing is not None:
            return existing
    now = timezone.now()
    record = ServiceRecord.objects.create(
        volunteer=volunteer,
        hours=hours,
        served_on=served_on,
        source=source,
        source_id=source_id,
        description=description[:300],
        created_by=actor,
        status=RecordStatus.VERIFIED if verified else RecordStatus.PENDING,
        verified_by=actor if verified else None,
        verified_at=now if verified else None,
    )
    if verified:
        signals.service_record_verified.send(sender=ServiceRecord, record=record, actor=actor)
    return record


@transaction.atomic
def service_record_verify(
    *, record: ServiceRecord, actor: User, approve: bool = True, reason: str = ""
) -> ServiceRecord:
    """Staff of the volunteer's station certify (or reject) a record.

    A pending record is verified or rejected; a verified record can still be rejected (found
    wrong later: reason required), which reverses the points its hours earned. Points follow
    the verified fact: `service_record_verified` / `service_record_rejected` are sent in this
    transaction and the points app pays or reverses the hours (points/receivers.py).
    Raises NotAllowed, NotPending (already rejected, or verifying twice) and ValidationError.
    """
    record = ServiceRecord.objects.select_for_update().select_related("volunteer__site").get(pk=record.pk)
    if not scope(actor).manages_site(record.volunteer.site):
        raise NotAllowed(_("Only staff of the volunteer's station can verify hours."))
    was_verified = record.status == RecordStatus.VERIFIED
    if record.status == RecordStatus.REJECTED or (was_verified and approve):
        raise NotPending(_("This record was already decided."))
    if was_verified and not reason.strip():
        raise ValidationError({"reason": _("Say why verified hours are rejected; the volunteer will see it.")})
    record.status = RecordStatus.VERIFIED if approve else RecordStatus.REJECTED
    record.verified_by = actor
    record.verified_at = timezone.now()
    record.save(update_fields=["status", "verified_by", "verified_at"])
    if approve:
        signals.service_record_verified.send(sender=ServiceRecord, record=record, actor=actor)
    else:
        signals.service_record_rejected.send(
            sender=ServiceRecord, record=record, actor=actor, was_verified=was_verified, reason=reason.strip()
        )
    return record
