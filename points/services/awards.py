"""Awarding rules to households, within the rules' caps.

Staff award by hand (with the evidence); the system awards on events of other apps
(points/receivers.py) through `points_award_automatic`, which never fails the action that
caused it. The rules, their versions and caps are described in DESIGN.md, "Civility points".
"""

from __future__ import annotations

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points.exceptions import AlreadyAwarded, CapReached, PointsError, RuleInactive, RuleNotApplicable
from points.models import Account, Entry, EntryKind, Rule, RuleUnit, RuleVersion, SourceType
from points.permissions import may_award, may_manage_household
from points.services.catalogue import rule_version_at
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


def check_caps(account: Account, rule: Rule, amount: int, at: datetime.datetime) -> None:
    """Refuse `amount` more points under `rule` if the account would pass the rule's cap per
    calendar day or month (local time, Asia/Shanghai; `Rule.cap_per_day`/`cap_per_month`, in
    points earned). Raises CapReached naming the cap."""
    local = timezone.localtime(at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = day_start + datetime.timedelta(days=1)
    if rule.cap_per_day is not None and _period_sum(account, rule, day_start, next_day) + amount > rule.cap_per_day:
        raise CapReached(_("At most %(cap)s points a day under this rule.") % {"cap": rule.cap_per_day})
    if rule.cap_per_month is not None:
        month_start = day_start.replace(day=1)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        if _period_sum(account, rule, month_start, next_month) + amount > rule.cap_per_month:
            raise CapReached(_("At most %(cap)s points a month under this rule.") % {"cap": rule.cap_per_month})


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
        or evidence. The attachment is a photo or PDF already checked by `check_upload`.
    Returns the `earn` entry. Raises ValidationError (unknown rule code, bad quantity, no
    evidence), RuleInactive, NotAllowed (not the household's staff, or a role the rule does not
    list), RuleNotApplicable (rule of another subtree), RuleNotInForce, AlreadyAwarded (also
    when two awards race: the unique constraint decides) and CapReached.
    """
    if isinstance(rule, str):
        rule = Rule.objects.filter(code=rule).first()
        if rule is None:
            raise ValidationError({"rule": _("No rule with this code.")})
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
    check_caps(account, rule, amount, at)
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
                note=_explain(rule, version, quantity, amount, note),
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
        },
    )
    return entry


def points_award_automatic(**kwargs) -> Entry | None:
    """An award by the system (`points_award` with actor=None and the same keyword arguments)
    for an event of another app. A duplicate, a cap, a rule out of force or not for the system
    is skipped quietly (logged) and None returned: never an error for the action that caused it.
    Runs in its own savepoint."""
    try:
        with transaction.atomic():
            return points_award(actor=None, **kwargs)
    except (PointsError, NotAllowed) as exc:
        logger.info("points: automatic award skipped (%s): %s", getattr(exc, "code", "not_allowed"), kwargs)
        return None
