"""Yearly honours: freeze a ranking into a list, publish it for public notice (公示), take
objections and answers, make it final or withdraw it.

The list's statuses move through the shared workflow helper (`points.workflows.HONOURS`),
which locks the list, refuses a move its map does not allow (409 `invalid_transition`), and
writes an `HonourEvent` and an audit row in the step's transaction. Freezing, objections and
answers write their own event or audit rows. The notice period (working days) is the
setting `PORTAL["HONOURS_NOTICE_WORKING_DAYS"]`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.exceptions import (
    AlreadyAnswered,
    EmptyRanking,
    HonourListExists,
    NoticeClosed,
    NoticeNotOver,
    ObjectionsUnanswered,
    ObjectionUpheld,
)
from points.models import (
    HonourEntry,
    HonourEvent,
    HonourKind,
    HonourList,
    HonourStatus,
    Objection,
    ObjectionDecision,
)
from points.permissions import may_answer, may_manage_honours, may_object
from points.rankings import Period, ranking
from points.workflows import HONOURS
from practice_center.audit import audit_record
from practice_center.exceptions import InvalidTransition, NotAllowed
from practice_center.models import HouseholdCategory, Site, User

# The most households on one list (also a database constraint on HonourList.size).
MAX_LIST_SIZE = 500

_ACTION_WORDS = {
    "publish": gettext_lazy("published"),
    "finalise": gettext_lazy("made final"),
    "withdraw": gettext_lazy("withdrawn"),
}


# ---- working days ---------------------------------------------------------------------------
def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th working day (Monday to Friday) after `start`; `start` itself does not count.

    Public holidays are not known to the portal, so a notice over a holiday week runs on
    weekdays only; staff can publish later to allow for it.
    """
    current = start
    counted = 0
    while counted < days:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current


def notice_end_for(published_on: datetime.date) -> datetime.date:
    """The last day of a notice published on `published_on`: the configured number of working
    days later (`PORTAL["HONOURS_NOTICE_WORKING_DAYS"]`)."""
    return add_working_days(published_on, settings.PORTAL["HONOURS_NOTICE_WORKING_DAYS"])


# ---- the workflow -----------------------------------------------------------------------------
def _require_manager(actor: User, honour_list_or_site: HonourList | Site) -> None:
    if not may_manage_honours(actor, honour_list_or_site):
        raise NotAllowed(_("Only staff of this site or above can manage its honours."))


def _move(honour_list: HonourList, *, action: str, actor: User, **kwargs) -> HonourList:
    """Apply `action` through the workflow, after the permission check; a move the map refuses
    is told in words ("a list that is final cannot be withdrawn")."""
    _require_manager(actor, honour_list)
    try:
        return HONOURS.move(honour_list, action=action, actor=actor, related=("site",), **kwargs)
    except InvalidTransition as exc:
        if type(exc) is not InvalidTransition:
            raise
        current = HonourList.objects.get(pk=honour_list.pk)
        raise InvalidTransition(
            _("A list that is “%(status)s” cannot be %(action)s.")
            % {"status": current.get_status_display(), "action": _ACTION_WORDS.get(action, action)}
        ) from None


@transaction.atomic
def honour_list_freeze(*, site: Site, year: int, kind: str, category: str = "", size: int, actor: User) -> HonourList:
    """Copy the top `size` households of the year's ranking under `site` into a new, immutable list.

    kind: an HonourKind. category: a HouseholdCategory, or "" for every household.
    size: 1 to MAX_LIST_SIZE (500). year: from 2000 to the current year.
    The ranking is `points.rankings.ranking` (points earned in the year; ties by verified
    service hours, then the earlier household). Returns the frozen HonourList. Raises
    NotAllowed (not staff of the site), ValidationError with every bad field, HonourListExists
    (a live list for the same honour, year, site and category) and EmptyRanking.
    """
    _require_manager(actor, site)
    errors: dict[str, list[str]] = {}
    if kind not in HonourKind.values:
        errors["kind"] = [_("Choose an honour.")]
    if category and category not in HouseholdCategory.values:
        errors["category"] = [_("Choose a household category.")]
    if not 1 <= size <= MAX_LIST_SIZE:
        errors["size"] = [_("Choose between 1 and %(max)d households.") % {"max": MAX_LIST_SIZE}]
    if not 2000 <= year <= timezone.localdate().year:
        errors["year"] = [_("Choose a year that has begun.")]
    if errors:
        raise ValidationError(errors)
    if (
        HonourList.objects.filter(kind=kind, year=year, site=site, category=category)
        .exclude(status=HonourStatus.WITHDRAWN)
        .exists()
    ):
        raise HonourListExists()
    rows = list(ranking(site=site, period=Period(year), category=category)[:size])
    if not rows:
        raise EmptyRanking()
    now = timezone.now()
    try:
        with transaction.atomic():
            honour_list = HonourList.objects.create(
                kind=kind,
                year=year,
                site=site,
                category=category,
                size=size,
                status=HonourStatus.FROZEN,
                frozen_at=now,
                frozen_by=actor,
            )
    except IntegrityError:  # another staff member froze the same list at the same moment
        raise HonourListExists()
    HonourEntry.objects.bulk_create(
        [
            HonourEntry(
                honour_list=honour_list,
                rank=row.rank,
                household=row,
                household_name=row.name,
                station_name=row.grid.station.name,
                category=row.category,
                points=row.points,
                hours=row.hours,
            )
            for row in rows
        ]
    )
    data = {"kind": kind, "year": year, "category": category, "size": size, "households": len(rows)}
    HonourEvent.objects.create(
        honour_list=honour_list, action="freeze", to_status=HonourStatus.FROZEN, actor=actor, data=data, at=now
    )
    audit_record(
        actor=actor,
        action="honour_list.freeze",
        obj=honour_list,
        site=site,
        changes={"status": [None, HonourStatus.FROZEN]},
        data=data,
    )
    return honour_list


@transaction.atomic
def honour_list_publish(*, honour_list: HonourList, actor: User) -> HonourList:
    """Put a frozen list up for public notice until `notice_end_for(today)`.

    Returns the list in notice. Raises NotAllowed and InvalidTransition (not frozen).
    """

    def change(locked: HonourList) -> list[str]:
        now = timezone.now()
        locked.published_at = now
        locked.notice_ends_on = notice_end_for(timezone.localdate(now))
        return ["published_at", "notice_ends_on"]

    return _move(honour_list, action="publish", actor=actor, change=change)


@transaction.atomic
def honour_list_finalise(*, honour_list: HonourList, actor: User) -> HonourList:
    """Make a list in notice final: the notice is over and every objection has been answered
    and dismissed.

    Returns the final list. Raises NotAllowed, InvalidTransition (not in notice),
    NoticeNotOver, ObjectionsUnanswered and ObjectionUpheld (withdraw it instead).
    """

    def check(locked: HonourList) -> None:
        if not locked.notice_is_over():
            raise NoticeNotOver(
                _("The public notice runs until %(date)s; the list can be made final after that.")
                % {"date": locked.notice_ends_on.isoformat() if locked.notice_ends_on else ""}
            )
        objections = Objection.objects.filter(honour_list=locked)
        if objections.filter(decision=ObjectionDecision.PENDING).exists():
            raise ObjectionsUnanswered()
        if objections.filter(decision=ObjectionDecision.UPHELD).exists():
            raise ObjectionUpheld()

    def change(locked: HonourList) -> list[str]:
        locked.finalised_at = timezone.now()
        locked.finalised_by = actor
        return ["finalised_at", "finalised_by"]

    return _move(honour_list, action="finalise", actor=actor, check=check, change=change)


@transaction.atomic
def honour_list_withdraw(*, honour_list: HonourList, actor: User, reason: str) -> HonourList:
    """Take a frozen or published list back (for instance after an upheld objection).

    reason: why (required, 300 characters), shown on the list and kept on its event.
    Returns the withdrawn list. Raises ValidationError on `reason`, NotAllowed and
    InvalidTransition (final or withdrawn already).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the list is withdrawn.")]})

    def change(locked: HonourList) -> list[str]:
        locked.withdrawn_at = timezone.now()
        locked.withdraw_reason = reason[:300]
        return ["withdrawn_at", "withdraw_reason"]

    return _move(honour_list, action="withdraw", actor=actor, change=change, note=reason[:300])


# ---- objections -------------------------------------------------------------------------------
@transaction.atomic
def objection_file(*, honour_list: HonourList, author: User, text: str) -> Objection:
    """A resident of the list's scope objects while the notice is open.

    text: what is wrong (required, at most 2000 characters). Returns the Objection. Raises
    ValidationError on `text`, NotAllowed (a resident of another station) and NoticeClosed.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write what you object to.")]})
    if len(text) > 2000:
        raise ValidationError({"text": [_("Keep it under 2000 characters.")]})
    locked = HonourList.objects.select_for_update().select_related("site").get(pk=honour_list.pk)
    if not may_object(author, locked):
        raise NotAllowed(_("Only residents of the stations this list covers can object to it."))
    if not locked.notice_is_open():
        raise NoticeClosed()
    objection = Objection.objects.create(honour_list=locked, author=author, text=text)
    audit_record(
        actor=author,
        action="objection.file",
        obj=objection,
        site=locked.site,
        changes={"decision": [None, ObjectionDecision.PENDING]},
        data={"honour_list": locked.pk},
    )
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, actor: User, answer: str, decision: str) -> Objection:
    """Staff answer an objection once while its list is in notice.

    answer: the text the resident reads (required, 2000 characters). decision: "dismissed" or
    "upheld" (then the list must be withdrawn, not made final). Returns the answered Objection.
    Raises ValidationError on `answer`/`decision`, NotAllowed, AlreadyAnswered and
    InvalidTransition (the list is not in notice).
    """
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("Write the answer the resident will read.")]
    if decision not in (ObjectionDecision.DISMISSED, ObjectionDecision.UPHELD):
        errors["decision"] = [_("Choose whether the objection is upheld or dismissed.")]
    if errors:
        raise ValidationError(errors)
    locked = Objection.objects.select_for_update().select_related("honour_list__site").get(pk=objection.pk)
    if not may_answer(actor, locked):
        raise NotAllowed(_("Only staff of this site or above can manage its honours."))
    if locked.decision:
        raise AlreadyAnswered()
    if locked.honour_list.status != HonourStatus.NOTICE:
        raise InvalidTransition(_("Objections can be answered only while the list is in public notice."))
    locked.answer = answer[:2000]
    locked.decision = decision
    locked.answered_by = actor
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "decision", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        action="objection.answer",
        obj=locked,
        site=locked.honour_list.site,
        changes={"decision": [ObjectionDecision.PENDING, decision], "answer": ["", locked.answer]},
        data={"honour_list": locked.honour_list_id},
    )
    return locked
