"""State changes of yearly honours: freeze → publish (公示) → final, objections and answers.

The workflow is one map `{status: {action: next_status}}` and `_move`, which locks the list row,
refuses a move the map does not allow (409 `invalid_transition`) and saves the new status.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.models import HonourEntry, HonourKind, HonourList, HonourStatus, Objection, ObjectionDecision
from points.rankings import Period, ranking
from practice_center.exceptions import DomainError, InvalidTransition, NotAllowed
from practice_center.models import HouseholdCategory, Site, User
from practice_center.scoping import home_station, scope

TRANSITIONS: dict[str, dict[str, str]] = {
    HonourStatus.FROZEN: {"publish": HonourStatus.NOTICE, "withdraw": HonourStatus.WITHDRAWN},
    HonourStatus.NOTICE: {"finalise": HonourStatus.FINAL, "withdraw": HonourStatus.WITHDRAWN},
    HonourStatus.FINAL: {},
    HonourStatus.WITHDRAWN: {},
}

MAX_LIST_SIZE = 500


class HonourListExists(DomainError):
    code = "honour_list_exists"
    default_message = gettext_lazy(
        "A list for this honour, year, site and category already exists; withdraw it before freezing a new one."
    )


class EmptyRanking(DomainError):
    code = "empty_ranking"
    default_message = gettext_lazy("No household earned points in that year and scope, so there is nothing to freeze.")


class NoticeNotOver(DomainError):
    code = "notice_not_over"
    default_message = gettext_lazy("The public notice period is not over yet.")


class ObjectionsUnanswered(DomainError):
    code = "objections_unanswered"
    default_message = gettext_lazy("Answer every objection before making the list final.")


class ObjectionUpheld(DomainError):
    code = "objection_upheld"
    default_message = gettext_lazy(
        "An objection was upheld: withdraw this list and freeze a corrected one instead of making it final."
    )


class NoticeClosed(DomainError):
    code = "notice_closed"
    default_message = gettext_lazy("Objections are accepted only while the list is in public notice.")


class AlreadyAnswered(DomainError):
    code = "already_answered"
    default_message = gettext_lazy("This objection has already been answered.")


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
    return add_working_days(published_on, settings.PORTAL["HONOURS_NOTICE_WORKING_DAYS"])


def notice_is_open(honour_list: HonourList, *, now: datetime.datetime | None = None) -> bool:
    """Objections are taken from publication until the end of the notice's last day."""
    if honour_list.status != HonourStatus.NOTICE or honour_list.notice_ends_on is None:
        return False
    today = timezone.localdate(now or timezone.now())
    return today <= honour_list.notice_ends_on


def notice_is_over(honour_list: HonourList, *, now: datetime.datetime | None = None) -> bool:
    if honour_list.notice_ends_on is None:
        return False
    return timezone.localdate(now or timezone.now()) > honour_list.notice_ends_on


# ---- the workflow -----------------------------------------------------------------------------
def _require_manager(actor: User, site: Site) -> None:
    if not scope(actor).manages_site(site):
        raise NotAllowed(_("Only staff of this site or above can manage its honours."))


def _move(*, honour_list: HonourList, action: str, actor: User) -> HonourList:
    locked = HonourList.objects.select_for_update().select_related("site").get(pk=honour_list.pk)
    _require_manager(actor, locked.site)
    target = TRANSITIONS.get(locked.status, {}).get(action)
    if target is None:
        raise InvalidTransition(
            _("A list that is “%(status)s” cannot be %(action)s.")
            % {"status": locked.get_status_display(), "action": _ACTION_WORDS.get(action, action)}
        )
    locked.status = target
    return locked


_ACTION_WORDS = {
    "publish": gettext_lazy("published"),
    "finalise": gettext_lazy("made final"),
    "withdraw": gettext_lazy("withdrawn"),
}


@transaction.atomic
def honour_list_freeze(*, site: Site, year: int, kind: str, category: str = "", size: int, actor: User) -> HonourList:
    """Copy the top `size` households of the year's ranking into a new, immutable list."""
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
    try:
        with transaction.atomic():
            honour_list = HonourList.objects.create(
                kind=kind,
                year=year,
                site=site,
                category=category,
                size=size,
                status=HonourStatus.FROZEN,
                frozen_at=timezone.now(),
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
    return honour_list


@transaction.atomic
def honour_list_publish(*, honour_list: HonourList, actor: User) -> HonourList:
    """Put the list up for public notice for the configured number of working days."""
    locked = _move(honour_list=honour_list, action="publish", actor=actor)
    now = timezone.now()
    locked.published_at = now
    locked.notice_ends_on = notice_end_for(timezone.localdate(now))
    locked.save(update_fields=["status", "published_at", "notice_ends_on"])
    return locked


@transaction.atomic
def honour_list_finalise(*, honour_list: HonourList, actor: User) -> HonourList:
    """Make the list final: the notice is over and every objection has been answered."""
    locked = _move(honour_list=honour_list, action="finalise", actor=actor)
    if not notice_is_over(locked):
        raise NoticeNotOver(
            _("The public notice runs until %(date)s; the list can be made final after that.")
            % {"date": locked.notice_ends_on.isoformat()}
        )
    objections = Objection.objects.filter(honour_list=locked)
    if objections.filter(decision=ObjectionDecision.PENDING).exists():
        raise ObjectionsUnanswered()
    if objections.filter(decision=ObjectionDecision.UPHELD).exists():
        raise ObjectionUpheld()
    locked.finalised_at = timezone.now()
    locked.finalised_by = actor
    locked.save(update_fields=["status", "finalised_at", "finalised_by"])
    return locked


@transaction.atomic
def honour_list_withdraw(*, honour_list: HonourList, actor: User, reason: str) -> HonourList:
    """Take a frozen or published list back (for instance after an upheld objection)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the list is withdrawn.")]})
    locked = _move(honour_list=honour_list, action="withdraw", actor=actor)
    locked.withdrawn_at = timezone.now()
    locked.withdraw_reason = reason[:300]
    locked.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
    return locked


# ---- objections -------------------------------------------------------------------------------
def may_object(user: User, honour_list: HonourList) -> bool:
    """Residents whose station lies in the list's scope may object."""
    station = home_station(user)
    return station is not None and station.is_within(honour_list.site)


@transaction.atomic
def objection_file(*, honour_list: HonourList, author: User, text: str) -> Objection:
    """A resident of the list's scope objects while the notice is open."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write what you object to.")]})
    if len(text) > 2000:
        raise ValidationError({"text": [_("Keep it under 2000 characters.")]})
    locked = HonourList.objects.select_for_update().select_related("site").get(pk=honour_list.pk)
    if not may_object(author, locked):
        raise NotAllowed(_("Only residents of the stations this list covers can object to it."))
    if not notice_is_open(locked):
        raise NoticeClosed()
    return Objection.objects.create(honour_list=locked, author=author, text=text)


@transaction.atomic
def objection_answer(*, objection: Objection, actor: User, answer: str, decision: str) -> Objection:
    """Staff answer an objection once: dismissed, or upheld (then the list must be withdrawn)."""
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [_("Write the answer the resident will read.")]
    if decision not in (ObjectionDecision.DISMISSED, ObjectionDecision.UPHELD):
        errors["decision"] = [_("Choose whether the objection is upheld or dismissed.")]
    if errors:
        raise ValidationError(errors)
    locked = Objection.objects.select_for_update().select_related("honour_list__site").get(pk=objection.pk)
    _require_manager(actor, locked.honour_list.site)
    if locked.decision:
        raise AlreadyAnswered()
    if locked.honour_list.status not in (HonourStatus.NOTICE,):
        raise InvalidTransition(_("Objections can be answered only while the list is in public notice."))
    locked.answer = answer[:2000]
    locked.decision = decision
    locked.answered_by = actor
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "decision", "answered_by", "answered_at"])
    return locked
