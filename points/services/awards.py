"""Awarding rules to households, within the rules' caps.

Staff award by hand (with the evidence); the system awards on events of other apps
(points/receivers.py) through `points_award_automatic`, which never fails the action that
caused it. The rules, their versions and caps are described in DESIGN.md, "Civility points".
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points import notifications
from points.exceptions import AlreadyAwarded, CapReached, PointsError, RuleInactive, RuleNotApplicable
from points.models import Account, Entry, EntryKind, Rule, RuleUnit, RuleVersion, SourceType
from points.permissions import may_award, may_manage_household
from points.services.catalogue import evidence_attachment_file, rule_version_at
from points.services.ledger import append_entry, audit_entry, lock_account
from practice_center.exceptions import NotAllowed
from practice_center.models import Household, User

logger = logging.getLogger(__name__)

# The most of one award's quantity (times, or hours for hourly rules).
MAX_AWARD_QUANTITY = 1000


def _format_quantity(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def _explain(rule: Rule, version: RuleVersion, quantity: Decimal, amount: int, note: str) -> str:
    # Stored text: written in the portal's default language so every reader sees the same line.
    with translation.override(settings.LANGUAGE_CODE):
        if rule.unit == RuleUnit.HOUR:
            line = _("%(rule)s: %(hours)s h × %(points)s = %(amount)s points") % {
                "rule": rule.name,
                "hours": _format_quantity(quantity),
                "points": version.points,
                "amount": amount,
            }
        elif quantity != 1:
            line = _("%(rule)s: %(count)s × %(points)s = %(amount)s points") % {
                "rule": rule.name,
                "count": _format_quantity(quantity),
                "points": version.points,
                "amount": amount,
            }
        else:
            line = _("%(rule)s: %(amount)s points") % {"rule": rule.name, "amount": amount}
    note = " ".join(note.split())
    return f"{line} · {note}" if note else line


def _period_sum(account: Account, rule: Rule, start: datetime.datetime, end: datetime.datetime) -> int:
    total = Entry.objects.filter(
        account=account, rule=rule, kind=EntryKind.EARN, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


@dataclass(frozen=True)
class CapRoom:
    """What `rule` may still earn an account in the day and the month around a moment.

    left: points left under the tighter cap (None: the rule has no cap); which: "day" or
    "month", the cap that binds; cap: that cap's size in points.
    """

    left: int | None
    which: str = ""
    cap: int = 0


def cap_room(account: Account, rule: Rule, at: datetime.datetime) -> CapRoom:
    """The points `rule` may still earn `account` on the calendar day and in the month of `at`
    (local time, Asia/Shanghai; caps `Rule.cap_per_day` / `cap_per_month`, counted over earned
    entries). Two indexed SUM queries at most."""
    local = timezone.localtime(at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = day_start + datetime.timedelta(days=1)
    rooms: list[CapRoom] = []
    if rule.cap_per_day is not None:
        left = max(0, rule.cap_per_day - _period_sum(account, rule, day_start, next_day))
        rooms.append(CapRoom(left, "day", rule.cap_per_day))
    if rule.cap_per_month is not None:
        month_start = day_start.replace(day=1)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        left = max(0, rule.cap_per_month - _period_sum(account, rule, month_start, next_month))
        rooms.append(CapRoom(left, "month", rule.cap_per_month))
    return min(rooms, key=lambda room: room.left or 0) if rooms else CapRoom(None)


def cap_rooms(household: Household, rules, *, at: datetime.datetime | None = None) -> dict[int, CapRoom]:
    """`{rule id: CapRoom}` for the capped `rules` and the household, today and this month
    (Asia/Shanghai), in one aggregate query; shown to staff in the award form before they award."""
    local = timezone.localtime(at or timezone.now())
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    capped = [r for r in rules if r.cap_per_day is not None or r.cap_per_month is not None]
    if not capped:
        return {}
    sums = {
        row["rule_id"]: row
        for row in Entry.objects.filter(
            account__household=household,
            rule__in=capped,
            kind=EntryKind.EARN,
            created_at__gte=min(day_start, month_start),
        )
        .values("rule_id")
        .annotate(
            today=Sum("amount", filter=Q(created_at__gte=day_start)),
            month=Sum("amount", filter=Q(created_at__gte=month_start)),
        )
    }
    rooms = {}
    for rule in capped:
        row: Mapping[str, Any] = sums.get(rule.pk, {})
        options = []
        if rule.cap_per_day is not None:
            options.append(CapRoom(max(0, rule.cap_per_day - (row.get("today") or 0)), "day", rule.cap_per_day))
        if rule.cap_per_month is not None:
            options.append(CapRoom(max(0, rule.cap_per_month - (row.get("month") or 0)), "month", rule.cap_per_month))
        rooms[rule.pk] = min(options, key=lambda room: room.left or 0)
    return rooms


def _cap_message(room: CapRoom) -> str:
    if room.which == "day":
        return _("At most %(cap)s points a day under this rule.") % {"cap": room.cap}
    return _("At most %(cap)s points a month under this rule.") % {"cap": room.cap}


def check_caps(account: Account, rule: Rule, amount: int, at: datetime.datetime) -> int:
    """The part of `amount` the rule's caps still allow (see `cap_room`): all of it, or what is
    left under the tighter cap (DESIGN.md: an award that would cross a cap earns what is left).
    Raises CapReached naming the cap when nothing is left."""
    room = cap_room(account, rule, at)
    if room.left is None or amount <= room.left:
        return amount
    if room.left == 0:
        raise CapReached(_cap_message(room))
    return room.left


def _as_quantity(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": _("Enter a number.")}) from exc
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_AWARD_QUANTITY:
        raise ValidationError({"quantity": _("Enter a number greater than 0.")})
    return quantity


@transaction.atomic
def points_award(
    *,
    household: Household,
    rule: Rule | str,
    actor: User | None,
    source_type: str = SourceType.MANUAL,
    source_id: int | None = None,
    quantity: Decimal | int = 1,
    note: str = "",
    evidence: str = "",
    attachment: UploadedFile | None = None,
    at: datetime.datetime | None = None,
) -> Entry:
    """Award `rule` (a Rule or its code) to `household`.

    actor: the staff member, or None for the system (automatic awards from events).
    quantity: times, or hours for hourly rules (more than 0, at most 1000); the points are the
        rule version's points in force at `at` (default now) × quantity, rounded half up.
    source_type / source_id: what earned it; one source earns a rule once.
    note / evidence / attachment: what the household did; a manual award by staff needs a note
        or evidence. The attachment (an upload) is a photo, stored re-encoded as a JPEG of at most
        1600 px without metadata, or a PDF kept as it is (`evidence_attachment_file`).
    An award that would cross a cap earns what is left under it, and its explanation says so.
    Returns the `earn` entry. Raises ValidationError (unknown rule code, bad quantity, no
    evidence), RuleInactive, NotAllowed (not the household's staff, or a role the rule does not
    list), RuleNotApplicable (rule of another subtree), RuleNotInForce, AlreadyAwarded (also
    when two awards race: the unique constraint decides) and CapReached (nothing left).
    """
    if isinstance(rule, str):
        found = Rule.objects.filter(code=rule).first()
        if found is None:
            raise ValidationError({"rule": _("No rule with this code.")})
        rule = found
    if not rule.is_active:
        raise RuleInactive()
    if actor is not None and not may_manage_household(actor, household):
        raise NotAllowed(_("You can only award points to households of your stations."))
    if not may_award(actor, rule, household):
        raise NotAllowed(_("Your role may not award this rule."))
    if not rule.covers(household.grid.station):
        raise RuleNotApplicable()
    if source_type == SourceType.MANUAL and actor is not None and not (note.strip() or evidence.strip()):
        raise ValidationError({"note": _("Say what the household did (the evidence of the award).")})
    if attachment is not None:  # before any lock: decoding a photo takes a moment
        attachment = evidence_attachment_file(attachment)
    at = at or timezone.now()
    quantity = _as_quantity(quantity)
    version = rule_version_at(rule, at)
    amount = int((version.points * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if amount <= 0:
        raise ValidationError({"quantity": _("This earns no points.")})

    account = lock_account(household)
    if (
        source_id is not None
        and Entry.objects.filter(
            account=account, rule=rule, source_type=source_type, source_id=source_id, kind=EntryKind.EARN
        ).exists()
    ):
        raise AlreadyAwarded()
    full_amount = amount
    amount = check_caps(account, rule, amount, at)
    if amount < full_amount:
        with translation.override(settings.LANGUAGE_CODE):
            clamp = _("capped: %(amount)s of %(full)s points, the rest is over the cap") % {
                "amount": amount,
                "full": full_amount,
            }
        note = f"{note} · {clamp}" if note.strip() else clamp
    try:
        with transaction.atomic():
            entry = append_entry(
                account=account,
                amount=amount,
                kind=EntryKind.EARN,
                rule=rule,
                rule_version=version,
                source_type=source_type,
                source_id=source_id,
                note=_explain(rule, version, quantity, full_amount, note),
                evidence=evidence.strip(),
                attachment=attachment,
                actor=actor,
                at=at,
            )
    except IntegrityError as exc:
        raise AlreadyAwarded() from exc
    audit_entry(
        entry=entry,
        action="entry.award",
        actor=actor,
        household=household,
        data={
            "rule": rule.code,
            "rule_version": version.number,
            "quantity": str(quantity),
            "source_type": source_type,
            "source_id": source_id,
            **({"capped_from": full_amount} if amount < full_amount else {}),
        },
    )
    return entry


def points_award_automatic(**kwargs) -> Entry | None:
    """An award by the system (`points_award` with actor=None and the same keyword arguments)
    for an event of another app. It never fails the action that caused it (DESIGN.md: points
    never block the work): a duplicate is skipped quietly; any other refusal (a cap reached, a
    rule renamed or out of force, a quantity that earns nothing) is logged and told to the staff
    of the household's station, and None is returned. Runs in its own savepoint."""
    try:
        with transaction.atomic():
            return points_award(actor=None, **kwargs)
    except AlreadyAwarded:
        return None
    except (PointsError, NotAllowed, ValidationError) as exc:
        reason = _reason(exc)
        logger.warning("points: automatic award failed (%s): %s", reason, kwargs)
        notifications.automatic_award_failed(
            household=kwargs["household"], rule=kwargs.get("rule"), source=kwargs, reason=reason
        )
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", exc))
