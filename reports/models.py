"""Monthly reports (一月一通报): one report per site and month, its review history."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from practice_center.models.events import WorkflowEvent


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # A context of its own: "Submitted" is also an order's status (已点单), a report's is 已提交.
    SUBMITTED = "submitted", pgettext_lazy("report status", "Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


# A report whose figures the beat task may still refresh (nobody has frozen them yet).
REFRESHABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class ReportAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    RETURN = "return", _("Returned")
    APPROVE = "approve", _("Approved")
    PUBLISH = "publish", _("Published")


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> MonthlyReportQuerySet:
        """Staff see every report of the subtrees they manage and every published bulletin of the
        network; a resident (or anyone with a household) sees the published bulletins of their
        station and of the sites above it (as a summary without personal data)."""
        from practice_center.scoping import home_station, scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        q = Q(pk__in=[])
        if sc.is_staff_anywhere:
            q |= sc.site_q("site") | Q(status=ReportStatus.PUBLISHED)
        station = home_station(user)
        if station is not None:
            q |= Q(status=ReportStatus.PUBLISHED, site_id__in=station.ancestor_ids())
        return self.filter(q)

    def writable_by(self, user) -> MonthlyReportQuerySet:
        """Reports of the sites where the user holds a role themselves (they write those)."""
        from practice_center.scoping import scope

        sc = scope(user) if getattr(user, "is_authenticated", False) else None
        if sc is None or not sc.site_roles:
            return self.none()
        return self.filter(site_id__in=[site.pk for site in sc.staff_sites])

    def reviewable_by(self, user) -> MonthlyReportQuerySet:
        """Reports of the subtrees where the user is center admin (or every report, superuser)."""
        from practice_center.models import Role
        from practice_center.scoping import scope

        if not getattr(user, "is_authenticated", False):
            return self.none()
        sc = scope(user)
        if sc.is_superuser:
            return self
        paths = [site.path for role, site in sc.site_roles if role == Role.CENTER_ADMIN]
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(site__path__startswith=path)
        return self.filter(q)

    def for_month(self, month: datetime.date) -> MonthlyReportQuerySet:
        return self.filter(month=month.replace(day=1))


class MonthlyReport(models.Model):
    """The report of one site (station, institute or center) for one calendar month
    (Asia/Shanghai), over the site's whole subtree.

    `figures` is the JSON the beat task computes (reports/figures.py); it is refreshed while the
    report is a draft or returned, and frozen at submission (`figures_taken_at`), so an approved
    report never changes when data is corrected later.
    """

    site = models.ForeignKey(
        "practice_center.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    figures_taken_at = models.DateTimeField(_("figures taken at"), null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    highlights = models.TextField(_("highlights"), blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "site__path"]
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="report_one_per_site_month"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_first_day"),
        ]
        indexes = [
            # Serves the list by month and status ("what waits for me": submitted reports of a month).
            models.Index(fields=["month", "status"], name="report_month_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.month:%Y-%m}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"


class ReportEvent(WorkflowEvent):
    """One step of a report's review: who did what, from which status to which, with the comment."""

    report = models.ForeignKey(MonthlyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=ReportAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ReportStatus.choices)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "id"]
        indexes = [
            # Serves the history of one report, in time order.
            models.Index(fields=["report", "at"], name="report_event_report_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.from_status}→{self.to_status}"
