"""Automatic awards on events of other apps (connected in PointsConfig.ready()).

Points follow verified facts (DESIGN.md, "Civility points"): a service record's hours earn the
`service_hour` rule when staff verify the record (or at once, when staff recorded it), and a
verified record rejected later is reversed by a compensating entry. The signals are sent inside
the transaction of the change; each award runs in its own savepoint and never blocks or undoes
the work (points_award_automatic): what cannot be awarded or reversed is told to staff.
"""

from __future__ import annotations

import logging

from django.db import transaction

from points import notifications
from points.exceptions import InsufficientPoints
from points.models import Entry, EntryKind, SourceType
from points.services.awards import points_award_automatic
from points.services.ledger import entry_reverse_automatic

logger = logging.getLogger(__name__)

SERVICE_HOUR_RULE = "service_hour"
FIVE_STAR_RULE = "five_star_bonus"


def _household_of(record):
    return record.volunteer.user.household if record.volunteer.user.household_id else None


def award_verified_hours(sender, *, record, **kwargs) -> None:
    """A verified record's hours earn its volunteer's household `service_hour` × hours, once
    per record (source: the record)."""
    household = _household_of(record)
    if household is None:
        return
    points_award_automatic(
        household=household,
        rule=SERVICE_HOUR_RULE,
        source_type=SourceType.SERVICE_RECORD,
        source_id=record.pk,
        quantity=record.hours,
        note=record.description or "",
    )


def reverse_rejected_hours(sender, *, record, was_verified: bool, reason: str = "", **kwargs) -> None:
    """A verified record rejected later: the points its hours earned are reversed."""
    if not was_verified:
        return
    entry = (
        Entry.objects.filter(
            source_type=SourceType.SERVICE_RECORD, source_id=record.pk, kind=EntryKind.EARN, corrects__isnull=True
        )
        .select_related("account__household__grid__station", "rule")
        .first()
    )
    if entry is None:
        return
    try:
        with transaction.atomic():
            entry_reverse_automatic(entry=entry, reason=reason or record.description or "")
    except InsufficientPoints as exc:
        household = entry.account.household
        logger.warning("points: reversal of entry %s refused: %s", entry.pk, exc)
        notifications.automatic_award_failed(
            household=household,
            rule=entry.rule,
            source={"source_type": entry.source_type, "source_id": entry.source_id},
            reason=str(exc.message),
        )


def award_five_star_bonus(sender, *, order, **kwargs) -> None:
    """A five-star rating earns the bonus for each serving volunteer's household (once per order),
    never for the household that placed the order (DESIGN.md, "Civility points": no household
    earns points from rating its own order)."""
    if order.stars != 5:
        return
    seen: set[int] = set()
    if order.resident.household_id is not None:
        seen.add(order.resident.household_id)
    for volunteer in order.volunteers.select_related("user__household__grid__station"):
        household = volunteer.user.household
        if household is None or household.pk in seen:
            continue
        seen.add(household.pk)
        points_award_automatic(
            household=household, rule=FIVE_STAR_RULE, source_type=SourceType.ORDER, source_id=order.pk
        )


ATTEND_RULE = "attend_activity"


def award_activity_attendance(sender, *, activity, enrollment, **kwargs) -> None:
    """Checking in to an activity earns the person's household the attendance rule, once per
    activity and household (the source is the activity; a second member's check-in is skipped)."""
    household = enrollment.person.household if enrollment.person.household_id else None
    if household is None:
        return
    points_award_automatic(
        household=household,
        rule=ATTEND_RULE,
        source_type=SourceType.ACTIVITY,
        source_id=activity.pk,
        note=activity.title or "",
    )
