"""Every change to a monthly report: building it from the figures, writing it, the review steps.

The review (DESIGN.md "Monthly reports"): the site's staff write the narrative and submit, the
center admin returns it with a comment or approves it, then publishes it as the bulletin (通报).
Each step goes through `REPORT_WORKFLOW.move` (lock, 409 from a wrong state, event row, audit
row) and tells the people concerned (reports/notifications.py) in the same transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice_center.audit import audit_record
from practice_center.exceptions import NotAllowed
from practice_center.models import Site, SiteLevel
from reports import figures as fig
from reports import permissions
from reports.models import REFRESHABLE, MonthlyReport
from reports.notifications import report_notify
from reports.workflow import REPORT_WORKFLOW

MAX_TEXT = 20000


# ---- building ---------------------------------------------------------------------------------
def report_sites() -> list[Site]:
    """The sites that get a report: every active station and every site above one."""
    paths = Site.objects.filter(level=SiteLevel.STATION, is_active=True).values_list("path", flat=True)
    ids = {int(part) for path in paths for part in path.split("/") if part}
    return list(Site.objects.filter(pk__in=ids).order_by("path"))


def report_build(
    *, site: Site, month: datetime.date, now: datetime.datetime | None = None
) -> tuple[MonthlyReport, str]:
    """Create or refresh the report of `site` for `month` (any day of it).

    A new report is a draft with the figures of reports.figures.month_figures. A draft or a
    returned report gets the figures again if they changed; a submitted, approved or published
    report is never touched. Returns (report, outcome), outcome one of "created", "refreshed",
    "unchanged", "kept" (under review or done). Safe to run twice and concurrently.
    """
    month = fig.month_start(month)
    now = now or timezone.now()
    existing = MonthlyReport.objects.filter(site=site, month=month).only("pk", "status").first()
    if existing is not None and existing.status not in REFRESHABLE:
        return existing, "kept"
    figures = fig.month_figures(site, month)
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().filter(site=site, month=month).first()
        if report is None:
            try:
                with transaction.atomic():
                    report = MonthlyReport.objects.create(site=site, month=month, figures=figures, figures_taken_at=now)
            except IntegrityError:  # built at the same moment by another run
                return MonthlyReport.objects.get(site=site, month=month), "unchanged"
            return report, "created"
        if report.status not in REFRESHABLE:
            return report, "kept"
        if report.figures == figures:
            return report, "unchanged"
        report.figures, report.figures_taken_at = figures, now
        report.save(update_fields=["figures", "figures_taken_at", "updated_at"])
        return report, "refreshed"


def reports_build_month(*, month: datetime.date, now: datetime.datetime | None = None) -> dict[str, int]:
    """Build the reports of `month` for every station and every site above it (the beat task).
    Returns how many were created, refreshed, unchanged and kept."""
    outcomes = {"created": 0, "refreshed": 0, "unchanged": 0, "kept": 0}
    for site in report_sites():
        _, outcome = report_build(site=site, month=month, now=now)
        outcomes[outcome] += 1
    return outcomes


# ---- writing ----------------------------------------------------------------------------------
def _clean_text(value: str | None, field: str) -> str:
    text = (value or "").replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_TEXT}})
    return text


@transaction.atomic
def report_edit(*, report: MonthlyReport, actor, narrative: str, highlights: str = "") -> MonthlyReport:
    """Save the narrative and highlights of a draft or returned report (the site's staff).
    Raises NotAllowed, InvalidTransition (not editable any more), ValidationError (too long)."""
    locked = MonthlyReport.objects.select_for_update().select_related("site").get(pk=report.pk)
    if locked.status not in REFRESHABLE:
        from practice_center.exceptions import InvalidTransition

        raise InvalidTransition(_("This report is under review or done and cannot be edited."))
    if not permissions.may_edit(actor, locked):
        raise NotAllowed()
    before = {"narrative": locked.narrative, "highlights": locked.highlights}
    locked.narrative = _clean_text(narrative, "narrative")
    locked.highlights = _clean_text(highlights, "highlights")
    after = {"narrative": locked.narrative, "highlights": locked.highlights}
    if before != after:
        locked.save(update_fields=["narrative", "highlights", "updated_at"])
        audit_record(
            actor=actor,
            action="report.edit",
            obj=locked,
            site=locked.site,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return locked


@transaction.atomic
def report_submit(
    *, report: MonthlyReport, actor, narrative: str | None = None, highlights: str | None = None
) -> MonthlyReport:
    """Submit a draft or returned report for review (the site's staff), freezing its figures.

    narrative: required (given here or saved before); highlights: optional.
    The figures are computed again now and kept with the time they were taken, so the
    reviewed report never changes when data is corrected later.
    Raises InvalidTransition (409), NotAllowed, ValidationError({"narrative"}).
    """

    def check(locked: MonthlyReport) -> None:
        if not permissions.is_writer(actor, locked):
            raise NotAllowed(_("Only the staff of this site submit its report."))
        text = _clean_text(narrative if narrative is not None else locked.narrative, "narrative")
        if not text:
            raise ValidationError({"narrative": _("Write the narrative before you submit.")})

    def change(locked: MonthlyReport) -> list[str]:
        if narrative is not None:
            locked.narrative = _clean_text(narrative, "narrative")
        if highlights is not None:
            locked.highlights = _clean_text(highlights, "highlights")
        locked.figures = fig.month_figures(locked.site, locked.month)
        locked.figures_taken_at = timezone.now()
        return ["narrative", "highlights", "figures", "figures_taken_at"]

    return REPORT_WORKFLOW.move(
        report,
        action="submit",
        actor=actor,
        check=check,
        change=change,
        notify=lambda locked: report_notify(locked, action="submit", actor=actor),
        related=("site",),
        data={"figures_taken": True},
    )


def _review(report: MonthlyReport, *, action: str, actor, comment: str = "", comment_required: bool = False):
    comment = _clean_text(comment, "comment")

    def check(locked: MonthlyReport) -> None:
        if not permissions.is_reviewer(actor, locked):
            raise NotAllowed(_("Only a center admin reviews monthly reports."))
        if comment_required and not comment:
            raise ValidationError({"comment": _("Say what needs to change.")})

    def change(locked: MonthlyReport) -> list[str]:
        if comment:
            locked.comment = comment
            return ["comment"]
        return []

    return REPORT_WORKFLOW.move(
        report,
        action=action,
        actor=actor,
        check=check,
        change=change,
        notify=lambda locked: report_notify(locked, action=action, actor=actor),
        note=comment,
        related=("site",),
    )


@transaction.atomic
def report_return(*, report: MonthlyReport, actor, comment: str) -> MonthlyReport:
    """Return a submitted report to its writers with a comment (center admin).
    Raises InvalidTransition, NotAllowed, ValidationError({"comment"})."""
    return _review(report, action="return", actor=actor, comment=comment, comment_required=True)


@transaction.atomic
def report_approve(*, report: MonthlyReport, actor, comment: str = "") -> MonthlyReport:
    """Approve a submitted report (center admin). Raises InvalidTransition, NotAllowed."""
    return _review(report, action="approve", actor=actor, comment=comment)


@transaction.atomic
def report_publish(*, report: MonthlyReport, actor) -> MonthlyReport:
    """Publish an approved report as the bulletin (center admin): every staff member of the
    network and the residents of its subtree (summary) can read it. Raises InvalidTransition,
    NotAllowed."""
    return _review(report, action="publish", actor=actor)
