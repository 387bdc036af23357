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

from activities.models import Activity, ActivityStatus, Enrollment, EnrollmentStatus, Order, OrderKind, OrderStatus
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
Window = tuple[datetime.datetime, datetime.datetime]


def subtree_ids(site: Site):
    return Site.objects.subtree(site).values("pk")


def _within(field: str, window: Window) -> Q:
    return Q(**{f"{field}__gte": window[0], f"{field}__lt": window[1]})


def _span(field: str, windows: list[Window]) -> Q:
    return Q(**{f"{field}__gte": min(w[0] for w in windows), f"{field}__lt": max(w[1] for w in windows)})


def _days(window: Window) -> tuple[datetime.date, datetime.date]:
    """The local days a window covers, both inclusive (service records carry a date)."""
    last = window[1] - datetime.timedelta(microseconds=1)
    return timezone.localtime(window[0], TZ).date(), timezone.localtime(last, TZ).date()


def _on_time() -> Q:
    portal = settings.PORTAL
    return Q(
        dispatched_at__isnull=False,
        accepted_at__isnull=False,
        dispatched_at__lte=F("created_at") + datetime.timedelta(hours=portal["DISPATCH_TIMEOUT_HOURS"]),
        accepted_at__lte=F("dispatched_at") + datetime.timedelta(hours=portal["ACCEPT_TIMEOUT_HOURS"]),
    )


ORDER_COUNTS = {
    "total": Q(),
    "completed": Q(status__in=DONE),
    "rating_count": Q(stars__isnull=False),
    "unrated_count": Q(status=OrderStatus.COMPLETED),
    "on_time_base": Q(dispatched_at__isnull=False, accepted_at__isnull=False),
    "wishes_posted": Q(kind=OrderKind.WISH),
    "wishes_claimed": Q(kind=OrderKind.WISH, accepted_at__isnull=False),
    "wishes_completed": Q(kind=OrderKind.WISH, status__in=DONE),
    **{f"status_{status}": Q(status=status) for status in OrderStatus.values},
}
ENTRY_KINDS = ("earn", "redeem", "refund", "adjust", "expire")


def _branch(site: Site, field: str):
    """The first path segment below `site` of the site in `field` (the child it lies under);
    the site's own path for rows of the site itself."""
    return Substr(field, 1, len(site.path) + PATH_STEP)


def _orders_by_branch(site: Site, windows: list[Window]) -> list[dict]:
    """Order counts of each window, grouped by child branch: one query."""
    aggregates = {}
    for i, window in enumerate(windows):
        inside = _within("created_at", window)
        for name, condition in ORDER_COUNTS.items():
            aggregates[f"{name}_{i}"] = Count("pk", filter=inside & condition)
        aggregates[f"on_time_count_{i}"] = Count("pk", filter=inside & _on_time())
        aggregates[f"stars_{i}"] = Sum("stars", filter=inside, default=0)
    return list(
        Order.objects.filter(_span("created_at", windows), site_id__in=subtree_ids(site))
        .annotate(branch=_branch(site, "site__path"))
        .values("branch")
        .annotate(**aggregates)
        .order_by()
    )


def _categories(site: Site, windows: list[Window]) -> list[dict]:
    """Orders per category code in each window: one query."""
    counts = (
        Order.objects.filter(_span("created_at", windows), site_id__in=subtree_ids(site))
        .values("category__code")
        .annotate(**{f"n_{i}": Count("pk", filter=_within("created_at", w)) for i, w in enumerate(windows)})
        .order_by("category__code")
    )
    result: list[dict] = [{} for _ in windows]
    for row in counts:
        for i in range(len(windows)):
            if row[f"n_{i}"]:
                result[i][row["category__code"] or "other"] = row[f"n_{i}"]
    return result


def _times(site: Site, windows: list[Window]) -> list[dict]:
    """Median and 90th percentile of the three waits in each window (PostgreSQL: one query)."""
    measures = {
        "dispatch_hours": HoursBetween("dispatched_at", "created_at"),
        "accept_hours": HoursBetween("accepted_at", "dispatched_at"),
        "complete_hours": HoursBetween("completed_at", "created_at"),
    }
    orders = Order.objects.filter(_span("created_at", windows), site_id__in=subtree_ids(site))
    if connection.vendor == "postgresql":
        aggregates = {
            f"{name}_{suffix}_{i}": PercentileCont(expression, fraction, filter=_within("created_at", window))
            for i, window in enumerate(windows)
            for name, expression in measures.items()
            for suffix, fraction in FRACTIONS.items()
        }
        found = orders.aggregate(**aggregates)
        return [{k[: -len(f"_{i}")]: v for k, v in found.items() if k.endswith(f"_{i}")} for i in range(len(windows))]
    return [percentiles(orders.filter(_within("created_at", w)), measures, FRACTIONS) for w in windows]


def _records_by_branch(site: Site, windows: list[Window]) -> list[dict]:
    """Verified hours and distinct active volunteers of each window, by child branch: one query.
    A volunteer belongs to one site, so the branches' distinct counts add up."""
    days = [_days(w) for w in windows]
    aggregates = {}
    for i, (first, last) in enumerate(days):
        inside = Q(served_on__gte=first, served_on__lte=last)
        aggregates[f"hours_{i}"] = Sum("hours", filter=inside, default=0)
        aggregates[f"active_{i}"] = Count("volunteer_id", distinct=True, filter=inside)
    return list(
        ServiceRecord.objects.filter(
            volunteer__site_id__in=subtree_ids(site),
            status=RecordStatus.VERIFIED,
            served_on__gte=min(d[0] for d in days),
            served_on__lte=max(d[1] for d in days),
        )
        .annotate(branch=_branch(site, "volunteer__site__path"))
        .values("branch")
        .annotate(**aggregates)
        .order_by()
    )


def _new_volunteers(site: Site, windows: list[Window]) -> list[int]:
    found = Volunteer.objects.filter(
        _span("approved_at", windows), site_id__in=subtree_ids(site), status=VolunteerStatus.APPROVED
    ).aggregate(**{f"n_{i}": Count("pk", filter=_within("approved_at", w)) for i, w in enumerate(windows)})
    return [found[f"n_{i}"] for i in range(len(windows))]


def _entries(site: Site, windows: list[Window]):
    """Ledger entries of the subtree's households in the windows' span. Every kind is named so
    that the (kind, created_at) index of points_entry serves the time range."""
    from points.models import Entry  # the points app sits above this one

    return Entry.objects.filter(
        _span("created_at", windows),
        kind__in=ENTRY_KINDS,
        account__household__grid__station_id__in=subtree_ids(site),
    )


def _points_by_branch(site: Site, windows: list[Window]) -> list[dict]:
    """Points of each kind in each window, by child branch: one query."""
    aggregates = {
        f"{kind}_{i}": Sum("amount", filter=_within("created_at", w) & Q(kind=kind), default=0)
        for i, w in enumerate(windows)
        for kind in ENTRY_KINDS
    }
    return list(
        _entries(site, windows)
        .annotate(branch=_branch(site, "account__household__grid__station__path"))
        .values("branch")
        .annotate(**aggregates)
        .order_by()
    )


def _top_households(site: Site, windows: list[Window], top: int = 10) -> list[list[dict]]:
    """The `top` households that earned most in each window (names masked, ties by account):
    one grouped query per window and one for the names."""
    from points.models import Account, Entry

    # A semi-join on the subtree's accounts: the earned entries of the window come straight
    # from the (kind, created_at) index and are summed per account without any join.
    accounts = Account.objects.filter(household__grid__station_id__in=subtree_ids(site)).values("pk")
    leaders = [
        list(
            Entry.objects.filter(_within("created_at", w), kind="earn", account_id__in=accounts)
            .values("account_id")
            .annotate(points=Sum("amount"))
            .order_by("-points", "account_id")[:top]
        )
        for w in windows
    ]
    ids = {row["account_id"] for rows in leaders for row in rows}
    names = dict(Account.objects.filter(pk__in=ids).values_list("pk", "household__name")) if ids else {}
    return [
        [
            {"rank": rank, "household": mask_name(names.get(row["account_id"], "")), "points": row["points"]}
            for rank, row in enumerate(rows, start=1)
        ]
        for rows in leaders
    ]


def activity_figures(site: Site, windows: list[Window]) -> list[dict]:
    """Activities held, enrolments, attendance rate and participants in each window: one query
    for the activities and one for their sign-ups.

    held: published or finished activities (not cancelled, not drafts) of the subtree starting
    in the window; enrolments: sign-ups with status enrolled (checked in or not) to them;
    checked_in: those with a check-in time; attendance_rate = checked_in / enrolments;
    participants: distinct persons checked in.
    """
    held_statuses = [ActivityStatus.PUBLISHED, ActivityStatus.FINISHED]
    activities = Activity.objects.filter(
        _span("starts_at", windows), site_id__in=subtree_ids(site), status__in=held_statuses
    )
    held = activities.aggregate(
        **{f"n_{i}": Count("pk", filter=_within("starts_at", w)) for i, w in enumerate(windows)}
    )
    checked = Q(checked_in_at__isnull=False)
    aggregates = {}
    for i, window in enumerate(windows):
        inside = _within("activity__starts_at", window)
        aggregates[f"enrolments_{i}"] = Count("pk", filter=inside)
        aggregates[f"checked_in_{i}"] = Count("pk", filter=inside & checked)
        aggregates[f"participants_{i}"] = Count("person_id", distinct=True, filter=inside & checked)
    signups = Enrollment.objects.filter(
        activity__in=activities.values("pk"), status=EnrollmentStatus.ENROLLED
    ).aggregate(**aggregates)
    return [
        {
            "held": held[f"n_{i}"],
            "enrolments": signups[f"enrolments_{i}"],
            "checked_in": signups[f"checked_in_{i}"],
            "attendance_rate": rate(signups[f"checked_in_{i}"], signups[f"enrolments_{i}"]),
            "participants": signups[f"participants_{i}"],
        }
        for i in range(len(windows))
    ]


def _sum(rows: list[dict], key: str):
    return sum(row[key] or 0 for row in rows)


def compute(site: Site, windows: list[Window], *, children: bool = False) -> tuple[list[dict], list[dict]]:
    """Every figure of the API contract (except `previous`) for each window, and, if asked, a
    row per child site for the first window. Each table is read once for all windows (about
    ten queries on PostgreSQL whatever the number of windows, children and rows); the totals
    are the sums of the branch rows, so a parent's counts equal the sum of its children's."""
    orders = _orders_by_branch(site, windows)
    categories = _categories(site, windows)
    times = _times(site, windows)
    records = _records_by_branch(site, windows)
    new = _new_volunteers(site, windows)
    points = _points_by_branch(site, windows)
    tops = _top_households(site, windows)
    activities = activity_figures(site, windows)
    result = []
    for i in range(len(windows)):

        def total(rows: list[dict], key: str, i: int = i):
            return _sum(rows, f"{key}_{i}")

        counted, rated = total(orders, "total"), total(orders, "rating_count")
        done, on_time_base, on_time = (
            total(orders, "completed"),
            total(orders, "on_time_base"),
            total(orders, "on_time_count"),
        )
        stars = total(orders, "stars")
        by_kind = {kind: total(points, kind) for kind in ENTRY_KINDS}
        result.append(
            {
                "orders": {
                    "total": counted,
                    "completed": done,
                    "by_status": {status: total(orders, f"status_{status}") for status in OrderStatus.values},
                    "by_category": categories[i],
                },
                **{key: _hours(times[i].get(key)) for key in sorted(times[i])},
                "on_time_rate": rate(on_time, on_time_base),
                "on_time_count": on_time,
                "on_time_base": on_time_base,
                "completion_rate": rate(done, counted),
                "rating_mean": round(stars / rated, 2) if rated else None,
                "rating_count": rated,
                "rating_sum": stars,
                "unrated_count": total(orders, "unrated_count"),
                "wishes": {
                    "posted": total(orders, "wishes_posted"),
                    "claimed": total(orders, "wishes_claimed"),
                    "completed": total(orders, "wishes_completed"),
                },
                "activities": activities[i],
                "volunteers": {"active": total(records, "active"), "new": new[i]},
                "service_hours": round(float(total(records, "hours")), 2),
                "points": {
                    "issued": by_kind["earn"],
                    "redeemed": -by_kind["redeem"] - by_kind["refund"],
                    "by_kind": by_kind,
                },
                "top_households": tops[i],
            }
        )
    return result, (_children_rows(site, orders, records, points) if children else [])


def _children_rows(site: Site, orders: list[dict], records: list[dict], points: list[dict]) -> list[dict]:
    """One row per active direct child of `site` (and one for the site itself if anything
    happened there) from the branch rows of the first window."""
    children = list(Site.objects.filter(parent=site, is_active=True).order_by("path").values("pk", "name", "path"))
    if not children:
        return []
    rows: dict[str, dict] = {}
    for child in children:
        rows[child["path"]] = {"site": child["pk"], "name": child["name"]}
    rows.setdefault(site.path, {"site": site.pk, "name": site.name, "is_self": True})
    by_branch = {
        "orders": {row["branch"]: row for row in orders},
        "records": {row["branch"]: row for row in records},
        "points": {row["branch"]: row for row in points},
    }
    result = []
    for branch, row in sorted(rows.items()):
        o = by_branch["orders"].get(branch, {})
        r = by_branch["records"].get(branch, {})
        p = by_branch["points"].get(branch, {})
        values = {
            **row,
            "orders": o.get("total_0", 0),
            "completed": o.get("completed_0", 0),
            "rating_count": o.get("rating_count_0", 0),
            "stars": o.get("stars_0", 0),
            "on_time_base": o.get("on_time_base_0", 0),
            "on_time_count": o.get("on_time_count_0", 0),
            "service_hours": round(float(r.get("hours_0") or 0), 2),
            "volunteers_active": r.get("active_0", 0),
            "points_issued": p.get("earn_0", 0),
            "points_redeemed": -p.get("redeem_0", 0) - p.get("refund_0", 0),
        }
        if row.get("is_self") and not (values["orders"] or values["service_hours"] or values["points_issued"]):
            continue
        values["completion_rate"] = rate(values["completed"], values["orders"])
        values["on_time_rate"] = rate(values["on_time_count"], values["on_time_base"])
        values["rating_mean"] = round(values["stars"] / values["rating_count"], 2) if values["rating_count"] else None
        result.append(values)
    return result


def core_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Every figure of the API contract except `previous`, for [start, end)."""
    return compute(site, [(start, end)])[0][0]


def children_figures(site: Site, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """A row per child site over [start, end) (see `compute`)."""
    return compute(site, [(start, end)], children=True)[1]


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
    window = month_window(month)
    (current, previous), children = compute(site, [window, month_window(add_months(month, -1))], children=True)
    return {
        "period": {"from": window[0].isoformat(), "to": window[1].isoformat(), "month": f"{month:%Y-%m}"},
        **current,
        "previous": previous,
        "children": children,
        "history": history(site, month),
    }


def so_far_figures(site: Site, now: datetime.datetime | None = None) -> dict:
    """This month from its first instant to `now`, with `previous` over the same length of time
    from the start of last month (so a trend compares like with like), and `by_site`."""
    now = now or timezone.now()
    month = this_month(now)
    start = local_midnight(month)
    previous_start = local_midnight(add_months(month, -1))
    previous_end = min(previous_start + (now - start), start)
    if now <= start:
        now = start + datetime.timedelta(microseconds=1)
    (current, previous), by_site = compute(site, [(start, now), (previous_start, previous_end)], children=True)
    return {
        "period": {"from": start.isoformat(), "to": now.isoformat(), "month": f"{month:%Y-%m}"},
        **current,
        "previous": previous,
        "by_site": by_site,
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
