"""State changes of volunteers, teams and service records.

Each checks the person with `volunteers.permissions` (NotAllowed, HTTP 403) and writes one
audit row (`practice_center.audit.audit_record`) in its own transaction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.exceptions import NotAllowed
from practice_center.models import Site, SiteLevel, User
from practice_center.scoping import forget_scope, home_station
from volunteers import permissions, signals
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
    """A resident asks to become a volunteer; the station staff approve.

    skills: up to 20 words of up to 30 characters (duplicates dropped). site: the certifying
    station, by default the person's home station. Returns the pending Volunteer. Raises
    AlreadyRegistered (409), ValidationError (no station, no real name).
    """
    if Volunteer.objects.filter(user=user).exists():
        raise AlreadyRegistered()
    site = site or home_station(user)
    if site is None:
        raise ValidationError({"site": _("Join a household of a station before registering as a volunteer.")})
    if not real_name.strip():
        raise ValidationError({"real_name": _("Enter your real name.")})
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                user=user,
                site=site,
                real_name=real_name.strip(),
                skills=_clean_skills(skills),
                availability=availability.strip(),
                is_party_member=is_party_member,
            )
    except IntegrityError as exc:  # two registrations raced
        raise AlreadyRegistered() from exc
    audit_record(
        actor=user, action="volunteer.register", obj=volunteer, site=site, changes={"status": [None, volunteer.status]}
    )
    return volunteer


_DECISION_FIELDS = ["status", "approved_by", "approved_at"]


def _decide(*, volunteer: Volunteer, actor: User, status: str, verb: str) -> Volunteer:
    volunteer = Volunteer.objects.select_for_update().select_related("site").get(pk=volunteer.pk)
    if not permissions.manages_volunteer(actor, volunteer):
        raise NotAllowed(_("Only staff of the volunteer's station can decide on the registration."))
    if not permissions.may_decide_volunteer(actor, volunteer):
        raise NotPending()
    before = snapshot(volunteer, _DECISION_FIELDS)
    volunteer.status = status
    volunteer.approved_by = actor
    volunteer.approved_at = timezone.now()
    volunteer.save(update_fields=_DECISION_FIELDS)
    audit_record(
        actor=actor,
        action=f"volunteer.{verb}",
        obj=volunteer,
        site=volunteer.site,
        changes=changes_between(before, snapshot(volunteer, _DECISION_FIELDS)),
    )
    return volunteer


@transaction.atomic
def volunteer_approve(*, volunteer: Volunteer, actor: User) -> Volunteer:
    """Staff of the volunteer's station (or above) approve a pending registration.

    Returns the approved Volunteer. Raises NotAllowed (not staff of the station: 403),
    NotPending (already decided: 409). Writes the audit row `volunteer.approve`.
    """
    return _decide(volunteer=volunteer, actor=actor, status=VolunteerStatus.APPROVED, verb="approve")


@transaction.atomic
def volunteer_reject(*, volunteer: Volunteer, actor: User) -> Volunteer:
    """Staff of the volunteer's station (or above) reject a pending registration.

    Returns the rejected Volunteer. Raises NotAllowed (403), NotPending (409). Writes the
    audit row `volunteer.reject`.
    """
    return _decide(volunteer=volunteer, actor=actor, status=VolunteerStatus.REJECTED, verb="reject")


@transaction.atomic
def team_create(
    *, site: Site, name: str, actor: User | None, description: str = "", leader: Volunteer | None = None
) -> Team:
    """Staff create a team at a site of their subtree, optionally with its leader.

    actor: None for the system (seeding demo data). Returns the new Team. Raises NotAllowed
    (not staff of `site`), ValidationError (a base outside the network), NotApproved (a leader
    not approved), IntegrityError (the site has a team of that name). Writes `team.create`.
    """
    if actor is not None and not permissions.may_create_team(actor, site):
        raise NotAllowed(_("Only staff of this site can create its teams."))
    if site.level == SiteLevel.BASE and not site.parent_id:
        raise ValidationError({"site": _("A team needs a site inside the network.")})
    team = Team.objects.create(site=site, name=name.strip(), description=description)
    audit_record(
        actor=actor,
        action="team.create",
        obj=team,
        site=site,
        changes={name_: [None, value] for name_, value in snapshot(team, ["site", "name", "description"]).items()},
    )
    if leader is not None:
        team_set_leader(team=team, volunteer=leader, actor=None, audit_actor=actor)
    return team


@transaction.atomic
def team_add_member(*, team: Team, volunteer: Volunteer, actor: User | None) -> TeamMembership:
    """The team's leader or staff of its site add an approved volunteer. Idempotent.

    actor: None for the system. Returns the membership. Raises NotAllowed, NotApproved (409).
    Writes `team.add_member` when the volunteer was not a member yet.
    """
    if actor is not None and not permissions.may_add_member(actor, team):
        raise NotAllowed(_("Only the team leader or staff can add members."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotApproved()
    membership, created = TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    if created:
        audit_record(
            actor=actor,
            action="team.add_member",
            obj=team,
            site=team.site,
            changes={"members": [None, volunteer.pk]},
            data={"volunteer": volunteer.pk, "membership": membership.pk},
        )
    return membership


@transaction.atomic
def team_set_leader(*, team: Team, volunteer: Volunteer, actor: User | None, audit_actor: User | None = None) -> Team:
    """Staff of the team's site name an approved volunteer its leader (who becomes a member).

    actor: None for the system (then no permission check); audit_actor: who the audit row names
    when the system acts for someone (team_create). Returns the Team. Raises NotAllowed,
    NotApproved. Writes `team.set_leader` (a role grant: the leader accepts the team's orders).
    """
    if actor is not None and not permissions.may_name_leader(actor, team):
        raise NotAllowed(_("Only staff can name the team leader."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise NotApproved()
    TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    before = snapshot(team, ["leader"])
    team.leader = volunteer
    team.save(update_fields=["leader"])
    audit_record(
        actor=actor or audit_actor,
        action="team.set_leader",
        obj=team,
        site=team.site,
        changes=changes_between(before, snapshot(team, ["leader"])),
    )
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
    """Record hours served. Idempotent per (volunteer, source, source_id).

    hours: more than 0 and at most 24 per record. source: a RecordSource value; source_id: the
    order or activity id (None for a manual entry). verified: staff recorded it, so it counts at
    once. Returns the record (the existing one for a replay). Raises ValidationError. Writes
    `service_record.create` for a new record.
    """
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
    audit_record(
        actor=actor,
        action="service_record.create",
        obj=record,
        site=volunteer.site,
        changes={name: [None, value] for name, value in snapshot(record, ["hours", "status"]).items()},
        data={"source": source, "source_id": source_id},
    )
    if verified:
        signals.service_record_verified.send(sender=ServiceRecord, record=record, actor=actor)
    return record


@transaction.atomic
def service_record_verify(
    *, record: ServiceRecord, actor: User, approve: bool = True, reason: str = ""
) -> ServiceRecord:
    """Staff of the volunteer's station certify (approve=True) or reject a record.

    A pending record is verified or rejected; a verified record can still be rejected (found
    wrong later: reason required), which reverses the points its hours earned. Points follow
    the verified fact: `service_record_verified` / `service_record_rejected` are sent in this
    transaction and the points app pays or reverses the hours (points/receivers.py).
    Returns the record. Raises NotAllowed (not staff of the station: 403), NotPending (already
    rejected, or verifying twice: 409) and ValidationError (no reason for a verified record).
    Writes the audit row `service_record.verify` or `service_record.reject`.
    """
    record = ServiceRecord.objects.select_for_update().select_related("volunteer__site").get(pk=record.pk)
    if not permissions.manages_volunteer(actor, record.volunteer):
        raise NotAllowed(_("Only staff of the volunteer's station can verify hours."))
    was_verified = record.status == RecordStatus.VERIFIED
    may_decide = permissions.may_verify_record if approve else permissions.may_reject_record
    if not may_decide(actor, record):
        raise NotPending(_("This record was already decided."))
    if was_verified and not reason.strip():
        raise ValidationError({"reason": _("Say why verified hours are rejected; the volunteer will see it.")})
    fields = ["status", "verified_by", "verified_at"]
    before = snapshot(record, fields)
    record.status = RecordStatus.VERIFIED if approve else RecordStatus.REJECTED
    record.verified_by = actor
    record.verified_at = timezone.now()
    record.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="service_record.verify" if approve else "service_record.reject",
        obj=record,
        site=record.volunteer.site,
        changes=changes_between(before, snapshot(record, fields)),
        data={"reason": reason.strip()} if reason.strip() else None,
    )
    if approve:
        signals.service_record_verified.send(sender=ServiceRecord, record=record, actor=actor)
    else:
        signals.service_record_rejected.send(
            sender=ServiceRecord, record=record, actor=actor, was_verified=was_verified, reason=reason.strip()
        )
    return record
