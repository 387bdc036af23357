"""The figures of a monthly report, all by database aggregation over a site's subtree.

Every figure is computed by a few aggregate queries (no Python loop over rows), for a window of
time given in Asia/Shanghai (`settings.TIME_ZONE`): an order placed at 23:59 on the 31st belongs
to that month. The keys and units are the REST contract (shared/API.md, "Reports"):

- counts are integers; rates are fractions 0..1 (4 decimals); hours are hours (2 decimals);
  points are points; a figure with nothing to measure is null.
- orders: the orders placed in the window (the month's cohort), with their status today;
  `dispatch_hours_*` = dispatched_at − created_at, `accept_hours_*` = accepted_at − dispatched_at,
  `complete_hours_*` = completed_at − created_at (the resident's whole wait); medians and 90th
  percentiles are `percentile_cont` (linear interpolation between the two nearest values).
- on_time_rate: of the cohort's orders that were dispatched and accepted, the share dispatched
  within PORTAL["DISPATCH_TIMEOUT_HOURS"] and accepted within PORTAL["ACCEPT_TIMEOUT_HOURS"]
  (the same time-outs that alert staff, activities/tasks.py).
- completion_rate: completed or rated orders of the cohort / all orders of the cohort.
- rating_mean: mean stars of the cohort's rated orders; rating_count rated, unrated_count
  completed but not rated.
- wishes: micro-wishes of the cohort posted / claimed (accepted by a team) / completed.
- volunteers: active = distinct volunteers of the subtree with verified hours served in the
  window; new = volunteers approved in the window. service_hours = their verified hours.
- points: ledger entries of the subtree's households in the window, by kind; issued = earned;
  redeemed = spent in the supermarket net of refunds. top_households: the ten households that
  earned most (names masked, ties by household id).
- activities: held = published or finished activities (not cancelled) starting in the window;
  enrolments = enrolled (checked in included) sign-ups to them; attendance_rate = checked in /
  enrolments; participants = distinct persons checked in.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from activities.models import Order, OrderKind, OrderStatus
from practice_center.models import Site
from practice_center.text import mask_name
from volunteers.models import RecordStatus, ServiceRecord, Volunteer, VolunteerStatus

TZ = ZoneInfo(settings.TIME_ZONE)
PATH_STEP = Site.PATH_WIDTH + 1  # one level of the materialized path: "000007/"
DONE = (OrderStatus.COMPLETED, OrderStatus.RATED)


# ---- months in Asia/Shanghai ------------------------------------------------------------------
def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=TZ)


def month_window(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[first instant, first instant of the next month) of `month` in Asia/Shanghai."""
    month = month_start(month)
    return local_midnight(month), local_midnight(add_months(month, 1))


def this_month(now: datetime.datetime | None = None) -> datetime.date:
    return month_start(timezone.localtime(now or timezone.now(), TZ).date())


def parse_month(text: str | None) -> datetime.date | None:
    """`YYYY-MM` → the first day of that month, or None for anything else."""
    try:
        year, month = (text or "").strip().split("-")
        if len(year) != 4 or not year.isascii() or not month.isascii():
            return None
        return datetime.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


# ---- database helpers -------------------------------------------------------------------------
class HoursBetween(Func):
    """(end − start) in hours as a float; null if either is null."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # SQLite and others
        return self.as_sqlite(compiler, connection, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="((julianday(%(expressions)s)) * 24.0)", arg_joiner=") - julianday(", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s))::double precision / 3600.0)",
            arg_joiner=" - ",
            **extra,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(fraction) WITHIN GROUP (ORDER BY x)`."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= float(fraction) <= 1:
            raise ValueError("fraction must be within 0..1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentiles(
    queryset, measures: dict[str, Func], fractions: dict[str, float], *, method: str = "auto"
) -> dict[str, float | None]:
    """Percentiles of each measure over `queryset`, nulls ignored, by linear interpolation.

    measures: {name: expression}; fractions: {suffix: 0..1}. Returns {f"{name}_{suffix}": value}.
    PostgreSQL: one query with `percentile_cont`. SQLite (no ordered-set aggregates): per
    measure one COUNT and, per fraction, one ORDER BY ... LIMIT 2 OFFSET k query; both follow
    the same definition (position fraction × (n − 1) between the sorted values).
    method: "auto" (as above) or "offset" (the SQLite way on any database, to compare them).
    """
    if connection.vendor == "postgresql" and method == "auto":
        aggregates = {
            f"{name}_{suffix}": PercentileCont(expression, fraction)
            for name, expression in measures.items()
            for suffix, fraction in fractions.items()
        }
        return dict(queryset.aggregate(**aggregates)) if aggregates else {}
    result: dict[str, float | None] = {}
    for name, expression in measures.items():
        values = queryset.annotate(_measure=expression).filter(_measure__isnull=False)
        n = values.count()
        ordered = values.order_by("_measure").values_list("_measure", flat=True)
        for suffix, fraction in fractions.items():
            if n == 0:
                result[f"{name}_{suffix}"] = None
                continue
            position = fraction * (n - 1)
            low = math.floor(position)
            pair = list(ordered[low : low + 2])
            high_value = pair[1] if len(pair) > 1 else pair[0]
            result[f"{name}_{suffix}"] = pair[0] + (high_value - pair[0]) * (position - low)
    return result


def _hours(value) -> float | None:
    return None if value is None else round(float(value), 2)


def rate(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _number(value) -> int | float:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else round(float(value), 2)
    return value


# ---- the figures ------------------------------------------------------------------------------
FRACTIONS = {"median": 0.5, "p90": 0.9}


def subtree_ids(site: Site):
    return Site.objects.subtree(site).values("pk")


def order_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Orders, times, rates, rating and wishes of the cohort placed in [start, end).
    Three queries (PostgreSQL), about ten (SQLite)."""
    portal = settings.PORTAL
    orders = Order.objects.filter(site_id__in=subtree_ids(site), created_at__gte=start, created_at__lt=end)
    in_time = Q(
        dispatched_at__lte=F("created_at") + datetime.timedelta(hours=portal["DISPATCH_TIMEOUT_HOURS"]),
        accepted_at__lte=F("dispatched_at") + datetime.timedelta(hours=portal["ACCEPT_TIMEOUT_HOURS"]),
    )
    counts = orders.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status__in=DONE)),
        rating_count=Count("pk", filter=Q(stars__isnull=False)),
        unrated_count=Count("pk", filter=Q(status=OrderStatus.COMPLETED)),
        stars=Sum("stars"),
        on_time_base=Count("pk", filter=Q(dispatched_at__isnull=False, accepted_at__isnull=False)),
        on_time_count=Count("pk", filter=Q(dispatched_at__isnull=False, accepted_at__isnull=False) & in_time),
        wishes_posted=Count("pk", filter=Q(kind=OrderKind.WISH)),
        wishes_claimed=Count("pk", filter=Q(kind=OrderKind.WISH, accepted_at__isnull=False)),
        wishes_completed=Count("pk", filter=Q(kind=OrderKind.WISH, status__in=DONE)),
        **{f"status_{status}": Count("pk", filter=Q(status=status)) for status in OrderStatus.values},
    )
    by_category = {
        (row["category__code"] or "other"): row["n"]
        for row in orders.values("category__code").annotate(n=Count("pk")).order_by("category__code")
    }
    times = percentiles(
        orders,
        {
            "dispatch_hours": HoursBetween("dispatched_at", "created_at"),
            "accept_hours": HoursBetween("accepted_at", "dispatched_at"),
            "complete_hours": HoursBetween("completed_at", "created_at"),
        },
        FRACTIONS,
    )
    figures = {
        "orders": {
            "total": counts["total"],
            "completed": counts["completed"],
            "by_status": {status: counts[f"status_{status}"] for status in OrderStatus.values},
            "by_category": by_category,
        },
        **{key: _hours(value) for key, value in sorted(times.items())},
        "on_time_rate": rate(counts["on_time_count"], counts["on_time_base"]),
        "on_time_count": counts["on_time_count"],
        "on_time_base": counts["on_time_base"],
        "completion_rate": rate(counts["completed"], counts["total"]),
        "rating_mean": round(counts["stars"] / counts["rating_count"], 2) if counts["rating_count"] else None,
        "rating_count": counts["rating_count"],
        "rating_sum": counts["stars"] or 0,
        "unrated_count": counts["unrated_count"],
        "wishes": {
            "posted": counts["wishes_posted"],
            "claimed": counts["wishes_claimed"],
            "completed": counts["wishes_completed"],
        },
    }
    return figures


def volunteer_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Active and new volunteers and verified service hours in [start, end). Two queries."""
    first_day = timezone.localtime(start, TZ).date()
    end_day = timezone.localtime(end, TZ).date()
    subtree = subtree_ids(site)
    records = ServiceRecord.objects.filter(
        volunteer__site_id__in=subtree, status=RecordStatus.VERIFIED, served_on__gte=first_day, served_on__lt=end_day
    ).aggregate(hours=Sum("hours"), active=Count("volunteer_id", distinct=True))
    new = Volunteer.objects.filter(
        site_id__in=subtree, status=VolunteerStatus.APPROVED, approved_at__gte=start, approved_at__lt=end
    ).count()
    return {
        "volunteers": {"active": records["active"], "new": new},
        "service_hours": round(float(records["hours"] or 0), 2),
    }


def _entries(site: Site, start: datetime.datetime, end: datetime.datetime):
    """Ledger entries of the subtree's households in [start, end).

    The accounts are a semi-join (no join of every entry to household, grid and station), and
    every kind is named so that the (kind, created_at) index of points_entry serves the range.
    """
    from points.models import Account, Entry, EntryKind  # the points app sits above this one

    accounts = Account.objects.filter(household__grid__station_id__in=subtree_ids(site)).values("pk")
    return Entry.objects.filter(
        account_id__in=accounts, kind__in=EntryKind.values, created_at__gte=start, created_at__lt=end
    )


def point_figures(site: Site, start: datetime.datetime, end: datetime.datetime, *, top: int = 10) -> dict:
    """Points issued by kind and redeemed, and the top households, in [start, end). Three queries."""
    from practice_center.models import Household

    entries = _entries(site, start, end)
    by_kind = {row["kind"]: row["total"] for row in entries.values("kind").annotate(total=Sum("amount")).order_by()}
    leaders = list(
        entries.filter(kind="earn")
        .values("account__household_id")
        .annotate(points=Sum("amount"))
        .order_by("-points", "account__household_id")[:top]
    )
    names = dict(
        Household.objects.filter(pk__in=[row["account__household_id"] for row in leaders]).values_list("pk", "name")
    )
    return {
        "points": {
            "issued": by_kind.get("earn", 0),
            "redeemed": -by_kind.get("redeem", 0) - by_kind.get("refund", 0),
            "by_kind": {kind: by_kind.get(kind, 0) for kind in ("earn", "redeem", "refund", "adjust", "expire")},
        },
        "top_households": [
            {"rank": rank, "household": mask_name(names.get(row["account__household_id"], "")), "points": row["points"]}
            for rank, row in enumerate(leaders, start=1)
        ],
    }


def activity_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Activities held, enrolments, attendance rate, participants in [start, end).

    Null until the scheduled-activity models exist (see the module docstring for the rules)."""
    return {"activities": None}


def core_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Every figure of the API contract except `previous`, for [start, end)."""
    return {
        **order_figures(site, start, end),
        **activity_figures(site, start, end),
        **volunteer_figures(site, start, end),
        **point_figures(site, start, end),
    }


def children_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """One row per direct child of `site` (and one for the site itself if anything happened
    there), each over the child's subtree: a grouped query per table, whatever the number of
    children. Rows carry counts and the rates made from them."""
    children = list(Site.objects.filter(parent=site, is_active=True).order_by("path").values("pk", "name", "path"))
    if not children:
        return []
    width = len(site.path) + PATH_STEP
    portal = settings.PORTAL
    subtree = subtree_ids(site)

    def prefix(field: str):
        return Substr(field, 1, width)

    orders = (
        Order.objects.filter(site_id__in=subtree, created_at__gte=start, created_at__lt=end)
        .annotate(branch=prefix("site__path"))
        .values("branch")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status__in=DONE)),
            rating_count=Count("pk", filter=Q(stars__isnull=False)),
            stars=Sum("stars"),
            on_time_base=Count("pk", filter=Q(dispatched_at__isnull=False, accepted_at__isnull=False)),
            on_time_count=Count(
                "pk",
                filter=Q(
                    dispatched_at__isnull=False,
                    accepted_at__isnull=False,
                    dispatched_at__lte=F("created_at") + datetime.timedelta(hours=portal["DISPATCH_TIMEOUT_HOURS"]),
                    accepted_at__lte=F("dispatched_at") + datetime.timedelta(hours=portal["ACCEPT_TIMEOUT_HOURS"]),
                ),
            ),
        )
        .order_by()
    )
    records = (
        ServiceRecord.objects.filter(
            volunteer__site_id__in=subtree,
            status=RecordStatus.VERIFIED,
            served_on__gte=timezone.localtime(start, TZ).date(),
            served_on__lt=timezone.localtime(end, TZ).date(),
        )
        .annotate(branch=prefix("volunteer__site__path"))
        .values("branch")
        .annotate(hours=Sum("hours"), active=Count("volunteer_id", distinct=True))
        .order_by()
    )
    points = (
        _entries(site, start, end)
        .annotate(branch=prefix("account__household__grid__station__path"))
        .values("branch")
        .annotate(
            issued=Sum("amount", filter=Q(kind="earn"), default=0),
            redeemed=Sum("amount", filter=Q(kind__in=["redeem", "refund"]), default=0),
        )
        .order_by()
    )
    rows: dict[str, dict] = {}

    def row(branch: str) -> dict:
        if branch not in rows:
            rows[branch] = {
                "site": None,
                "name": "",
                "orders": 0,
                "completed": 0,
                "rating_count": 0,
                "stars": 0,
                "on_time_base": 0,
                "on_time_count": 0,
                "service_hours": 0.0,
                "volunteers_active": 0,
                "points_issued": 0,
                "points_redeemed": 0,
            }
        return rows[branch]

    for child in children:
        row(child["path"]).update(site=child["pk"], name=child["name"])
    for found in orders:
        target = row(found["branch"])
        target.update(
            orders=found["total"],
            completed=found["completed"],
            rating_count=found["rating_count"],
            stars=found["stars"] or 0,
            on_time_base=found["on_time_base"],
            on_time_count=found["on_time_count"],
        )
    for found in records:
        row(found["branch"]).update(
            service_hours=round(float(found["hours"] or 0), 2), volunteers_active=found["active"]
        )
    for found in points:
        row(found["branch"]).update(points_issued=found["issued"], points_redeemed=-found["redeemed"])
    result = []
    for branch, values in sorted(rows.items()):
        if values["site"] is None:
            if branch != site.path:
                continue  # an inactive child: left out
            values.update(site=site.pk, name=site.name, is_self=True)
        values["completion_rate"] = rate(values["completed"], values["orders"])
        values["on_time_rate"] = rate(values["on_time_count"], values["on_time_base"])
        values["rating_mean"] = round(values["stars"] / values["rating_count"], 2) if values["rating_count"] else None
        result.append(values)
    return result


def history(site: Site, month: datetime.date, *, months: int = 12) -> list[dict]:
    """Orders placed, completed and verified hours of the `months` months up to `month`
    (oldest first). Two grouped queries."""
    first = add_months(month, -(months - 1))
    start, end = local_midnight(first), month_window(month)[1]
    subtree = subtree_ids(site)
    orders = {
        timezone.localtime(row["m"], TZ).date() if isinstance(row["m"], datetime.datetime) else row["m"]: row
        for row in Order.objects.filter(site_id__in=subtree, created_at__gte=start, created_at__lt=end)
        .annotate(m=TruncMonth("created_at", tzinfo=TZ))
        .values("m")
        .annotate(total=Count("pk"), completed=Count("pk", filter=Q(status__in=DONE)))
        .order_by()
    }
    hours = {
        row["m"]: row["hours"]
        for row in ServiceRecord.objects.filter(
            volunteer__site_id__in=subtree,
            status=RecordStatus.VERIFIED,
            served_on__gte=first,
            served_on__lt=add_months(month, 1),
        )
        .annotate(m=TruncMonth("served_on"))
        .values("m")
        .annotate(hours=Sum("hours"))
        .order_by()
    }
    series = []
    for n in range(months):
        day = add_months(first, n)
        found = orders.get(day, {})
        series.append(
            {
                "month": f"{day:%Y-%m}",
                "orders": found.get("total", 0),
                "completed": found.get("completed", 0),
                "service_hours": round(float(hours.get(day) or 0), 2),
            }
        )
    return series


def month_figures(site: Site, month: datetime.date) -> dict:
    """The whole JSON of a monthly report: the month, `previous` (the month before, same keys),
    `children` (a row per child site) and `history` (the last twelve months)."""
    month = month_start(month)
    start, end = month_window(month)
    previous_start, previous_end = month_window(add_months(month, -1))
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "month": f"{month:%Y-%m}"},
        **core_figures(site, start, end),
        "previous": core_figures(site, previous_start, previous_end),
        "children": children_figures(site, start, end),
        "history": history(site, month),
    }


def so_far_figures(site: Site, now: datetime.datetime | None = None) -> dict:
    """This month from its first instant to `now`, with `previous` over the same length of time
    from the start of last month (so a trend compares like with like)."""
    now = now or timezone.now()
    month = this_month(now)
    start = local_midnight(month)
    previous_start = local_midnight(add_months(month, -1))
    previous_end = min(previous_start + (now - start), start)
    return {
        "period": {"from": start.isoformat(), "to": now.isoformat(), "month": f"{month:%Y-%m}"},
        **core_figures(site, start, now),
        "previous": core_figures(site, previous_start, previous_end),
        "by_site": children_figures(site, start, now),
    }


# ---- comparing and combining ------------------------------------------------------------------
def lookup(figures: dict | None, key: str):
    """`lookup(figures, "orders.total")`: a dotted key, None where missing."""
    value = figures
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def change(value, previous) -> tuple[float | None, float | None]:
    """(difference, percent change) of two numbers; None where not measurable."""
    if value is None or previous is None:
        return None, None
    difference = round(value - previous, 4)
    percent = round(difference / previous * 100, 1) if previous else None
    return difference, percent


COMBINED_SUMS = (
    "orders.total",
    "orders.completed",
    "on_time_count",
    "on_time_base",
    "rating_count",
    "rating_sum",
    "unrated_count",
    "wishes.posted",
    "wishes.claimed",
    "wishes.completed",
    "activities.held",
    "activities.enrolments",
    "activities.checked_in",
    "volunteers.new",
    "service_hours",
    "points.issued",
    "points.redeemed",
)


def combine(months: Iterable[dict]) -> dict:
    """A quarter's or half-year's figures from its monthly figures: counts and hours summed,
    rates and the mean rating weighted by their counts (never a mean of means). Medians, 90th
    percentiles and distinct counts (active volunteers, participants) cannot be combined from
    monthly figures: they are null here, and shown per month."""
    months = [m for m in months if m]
    result: dict = {"months": len(months)}
    for key in COMBINED_SUMS:
        values = [lookup(m, key) for m in months]
        values = [v for v in values if v is not None]
        total = round(sum(values), 2) if values else None
        head, _, tail = key.partition(".")
        if tail:
            result.setdefault(head, {})[tail] = total
        else:
            result[key] = total
    orders = result["orders"]
    result["completion_rate"] = rate(orders["completed"] or 0, orders["total"] or 0)
    result["on_time_rate"] = rate(result["on_time_count"] or 0, result["on_time_base"] or 0)
    # The mean of all stars given over the period: total stars / number rated.
    result["rating_mean"] = round(result["rating_sum"] / result["rating_count"], 2) if result["rating_count"] else None
    activities = result["activities"]
    activities["attendance_rate"] = rate(activities["checked_in"] or 0, activities["enrolments"] or 0)
    return result
