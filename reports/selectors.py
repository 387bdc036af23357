"""Reads of the reports app: lists, what waits for whom, live differences, periods, dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Order, OrderStatus
from points.models import LedgerCheckpoint
from practice_center.models import SIX_HAVES, Site, SiteLevel
from practice_center.scoping import scope
from reports import figures as fig
from reports.models import REFRESHABLE, MonthlyReport, ReportStatus

# The figures shown side by side with the month before: (dotted key, label, unit).
# unit: "count", "rate" (fraction shown as %), "hours", "stars", "points".
KEY_FIGURES: list[tuple[str, str, str]] = [
    ("orders.total", _("Orders placed"), "count"),
    ("orders.completed", _("Orders completed"), "count"),
    ("completion_rate", _("Completion rate"), "rate"),
    ("on_time_rate", _("On-time rate"), "rate"),
    ("dispatch_hours_median", _("Hours to dispatch (median)"), "hours"),
    ("dispatch_hours_p90", _("Hours to dispatch (90th percentile)"), "hours"),
    ("accept_hours_median", _("Hours to accept (median)"), "hours"),
    ("accept_hours_p90", _("Hours to accept (90th percentile)"), "hours"),
    ("complete_hours_median", _("Hours to complete (median)"), "hours"),
    ("complete_hours_p90", _("Hours to complete (90th percentile)"), "hours"),
    ("rating_mean", _("Mean rating"), "stars"),
    ("rating_count", _("Orders rated"), "count"),
    ("unrated_count", _("Completed, not rated"), "count"),
    ("wishes.posted", _("Micro-wishes posted"), "count"),
    ("wishes.claimed", _("Micro-wishes claimed"), "count"),
    ("wishes.completed", _("Micro-wishes completed"), "count"),
    ("activities.held", _("Activities held"), "count"),
    ("activities.enrolments", _("Enrolments"), "count"),
    ("activities.attendance_rate", _("Attendance rate"), "rate"),
    ("activities.participants", _("Participants"), "count"),
    ("volunteers.active", _("Active volunteers"), "count"),
    ("volunteers.new", _("New volunteers"), "count"),
    ("service_hours", _("Verified service hours"), "hours"),
    ("points.issued", _("Points issued"), "points"),
    ("points.redeemed", _("Points redeemed"), "points"),
]
# The dashboard's headline figures.
HEADLINE_KEYS = (
    "orders.total",
    "completion_rate",
    "on_time_rate",
    "rating_mean",
    "service_hours",
    "points.issued",
    "points.redeemed",
    "volunteers.active",
)


@dataclass
class FigureRow:
    key: str
    label: str
    unit: str
    value: float | int | None
    previous: float | int | None
    difference: float | None
    percent: float | None

    @property
    def trend(self) -> str:
        if self.difference is None or self.difference == 0:
            return "flat"
        return "up" if self.difference > 0 else "down"


def figure_rows(figures: dict, keys: tuple[str, ...] | None = None) -> list[FigureRow]:
    """Each key figure beside the month before, with the difference and the percent change."""
    previous = figures.get("previous") or {}
    rows = []
    for key, label, unit in KEY_FIGURES:
        if keys is not None and key not in keys:
            continue
        value, before = fig.lookup(figures, key), fig.lookup(previous, key)
        difference, percent = fig.change(value, before)
        rows.append(FigureRow(key, str(label), unit, value, before, difference, percent))
    return rows


# ---- lists ------------------------------------------------------------------------------------
def reports_for(
    user, *, month: datetime.date | None = None, site: Site | None = None, status: str | None = None
) -> QuerySet[MonthlyReport]:
    """The reports the user may see, newest month first, optionally of one month, one site's
    subtree and one status."""
    reports = MonthlyReport.objects.visible_to(user).select_related("site")
    if month is not None:
        reports = reports.filter(month=fig.month_start(month))
    if site is not None:
        reports = reports.filter(site__path__startswith=site.path)
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("-month", "site__path")


def waiting_for(user) -> QuerySet[MonthlyReport]:
    """What waits for the user: reports to review (submitted, in a subtree they are center admin
    of) and reports to write (draft or returned, at a site where they hold a role)."""
    visible = MonthlyReport.objects.visible_to(user)
    review = MonthlyReport.objects.reviewable_by(user).filter(status=ReportStatus.SUBMITTED)
    write = MonthlyReport.objects.writable_by(user).filter(status__in=REFRESHABLE)
    return (
        visible.filter(Q(pk__in=review.values("pk")) | Q(pk__in=write.values("pk")))
        .select_related("site")
        .order_by("month", "site__path")
    )


def report_detail(pk: int, user) -> MonthlyReport | None:
    return (
        MonthlyReport.objects.visible_to(user)
        .select_related("site")
        .prefetch_related("events__actor")
        .filter(pk=pk)
        .first()
    )


def live_differences(report: MonthlyReport) -> list[FigureRow]:
    """Key figures whose live value now differs from the report's frozen snapshot (data was
    corrected after the figures were taken). `value` is the snapshot, `previous` the live value."""
    live = fig.month_figures(report.site, report.month)
    rows = []
    for key, label, unit in KEY_FIGURES:
        frozen, now = fig.lookup(report.figures, key), fig.lookup(live, key)
        if frozen != now:
            difference, percent = fig.change(now, frozen)
            rows.append(FigureRow(key, str(label), unit, frozen, now, difference, percent))
    return rows


def category_names() -> dict[str, str]:
    from activities.models import Category

    return {c.code: c.name for c in Category.objects.all()}


# ---- quarters and half-years ------------------------------------------------------------------
PERIODS = {"q1": (1, 3), "q2": (4, 3), "q3": (7, 3), "q4": (10, 3), "h1": (1, 6), "h2": (7, 6)}


def period_months(year: int, period: str) -> list[datetime.date]:
    first, length = PERIODS[period]
    return [datetime.date(year, first + n, 1) for n in range(length)]


def period_figures(site: Site, year: int, period: str) -> dict:
    """A quarter's or half-year's figures, combined from the monthly figures (reports.figures.
    combine): the report's frozen figures where a report exists, else the month computed live.
    Returns {"months": [(month, figures, report|None)], "combined": {...}}."""
    months = period_months(year, period)
    stored = {r.month: r for r in MonthlyReport.objects.filter(site=site, month__in=months)}
    today = fig.this_month()
    rows = []
    for month in months:
        if month > today:
            rows.append((month, None, None))
            continue
        report = stored.get(month)
        figures = report.figures if report else fig.core_figures(site, *fig.month_window(month))
        rows.append((month, figures, report))
    return {"months": rows, "combined": fig.combine(f for _, f, _ in rows)}


# ---- the dashboard ----------------------------------------------------------------------------
@dataclass
class StationState:
    site: Site
    orders: int = 0
    on_time_rate: float | None = None
    rating_mean: float | None = None
    lagging: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


@dataclass
class Dashboard:
    site: Site
    figures: dict
    headline: list[FigureRow]
    overdue_count: int
    overdue: list
    stations: list[StationState]

    @property
    def lagging(self) -> list[StationState]:
        return [s for s in self.stations if s.lagging]

    @property
    def with_gaps(self) -> list[StationState]:
        return [s for s in self.stations if s.gaps]


def dashboard_site(user, site_id: int | None = None) -> Site | None:
    """The site whose subtree the user's dashboard shows: `site_id` if the user manages it,
    else the highest site they manage; None for someone who manages nothing."""
    managed = Site.objects.managed_by(user)
    if site_id is not None:
        return managed.filter(pk=site_id).first()
    return managed.order_by("depth", "path").first()


def overdue_q(now: datetime.datetime) -> Q:
    """Open orders past the dispatch or accept time-out (the same rule as the time-out alerts)."""
    portal = settings.PORTAL
    return Q(
        status=OrderStatus.SUBMITTED,
        status_changed_at__lt=now - datetime.timedelta(hours=portal["DISPATCH_TIMEOUT_HOURS"]),
    ) | Q(
        status=OrderStatus.DISPATCHED,
        status_changed_at__lt=now - datetime.timedelta(hours=portal["ACCEPT_TIMEOUT_HOURS"]),
    )


def station_states(site: Site, now: datetime.datetime) -> list[StationState]:
    """Every active station of the subtree with this month's on-time rate and mean rating
    (lagging when under PORTAL["REPORTS_LAGGING_ON_TIME_RATE"] / ["REPORTS_LAGGING_RATING"])
    and the gaps of its six-haves checklist. Two queries."""
    portal = settings.PORTAL
    start = fig.local_midnight(fig.this_month(now))
    stations = list(
        Site.objects.subtree(site)
        .filter(level=SiteLevel.STATION, is_active=True)
        .only("pk", "name", "path", "checklist")
    )
    in_time = Q(
        dispatched_at__lte=F("created_at") + datetime.timedelta(hours=portal["DISPATCH_TIMEOUT_HOURS"]),
        accepted_at__lte=F("dispatched_at") + datetime.timedelta(hours=portal["ACCEPT_TIMEOUT_HOURS"]),
    )
    measured = Q(dispatched_at__isnull=False, accepted_at__isnull=False)
    grouped = {
        row["site_id"]: row
        for row in Order.objects.filter(site__in=[s.pk for s in stations], created_at__gte=start, created_at__lt=now)
        .values("site_id")
        .annotate(
            total=Count("pk"),
            base=Count("pk", filter=measured),
            on_time=Count("pk", filter=measured & in_time),
            rated=Count("pk", filter=Q(stars__isnull=False)),
            stars=Sum("stars"),
        )
        .order_by()
    }
    states = []
    for station in stations:
        row = grouped.get(station.pk, {})
        state = StationState(site=station, orders=row.get("total", 0))
        state.on_time_rate = fig.rate(row.get("on_time", 0), row.get("base", 0))
        state.rating_mean = round(row["stars"] / row["rated"], 2) if row.get("rated") else None
        if state.on_time_rate is not None and state.on_time_rate < portal["REPORTS_LAGGING_ON_TIME_RATE"]:
            state.lagging.append("on_time_rate")
        if state.rating_mean is not None and state.rating_mean < portal["REPORTS_LAGGING_RATING"]:
            state.lagging.append("rating_mean")
        state.gaps = [key for key in SIX_HAVES if not (station.checklist or {}).get(key)]
        states.append(state)
    return states


def dashboard(site: Site, now: datetime.datetime | None = None, *, overdue_limit: int = 10) -> Dashboard:
    """This month so far over `site`'s subtree: headline figures with the trend against the same
    days of last month, overdue orders (count and the oldest), each station's on-time rate,
    rating and six-haves gaps. A fixed number of queries, whatever the amount of data."""
    now = now or timezone.now()
    figures = fig.so_far_figures(site, now)
    overdue = Order.objects.filter(Q(site_id__in=fig.subtree_ids(site)) & overdue_q(now))
    return Dashboard(
        site=site,
        figures=figures,
        headline=figure_rows(figures, HEADLINE_KEYS),
        overdue_count=overdue.count(),
        overdue=list(overdue.select_related("site").order_by("status_changed_at", "pk")[:overdue_limit]),
        stations=station_states(site, now),
    )


def home_dashboard(user) -> Dashboard | None:
    """The dashboard for a staff member's home page (their highest managed site), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    site = dashboard_site(user)
    return dashboard(site) if site is not None else None


def home_context(request) -> dict:
    """The home page's dashboard panel (registered with practice_center.registry): this month
    so far for staff, nothing for others."""
    if not request.user.is_authenticated or not scope(request.user).is_staff_anywhere:
        return {"reports_dashboard": None}
    return {"reports_dashboard": home_dashboard(request.user)}


def ledger_checkpoint_for(report):
    """The ledger checkpoint printed on a published bulletin (README, "What the ledger key
    protects"): the newest taken before the report was published, else None. One query."""
    if report.status != "published":
        return None
    published = report.events.filter(to_status="published").order_by("-at").values_list("at", flat=True).first()
    checkpoints = LedgerCheckpoint.objects.order_by("-taken_at")
    if published is not None:
        checkpoints = checkpoints.filter(taken_at__lte=published)
    return checkpoints.first()
