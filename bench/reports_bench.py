"""Monthly reports at district scale, on a PostgreSQL database of its own. Prints figures beside
their targets; asserts nothing.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_reports_bench \
        .venv/bin/python bench/reports_bench.py [--reload]

Data (loaded once with INSERT ... SELECT generate_series, reused unless --reload): one center,
one institute, 50 stations; 200 000 orders over twelve months in every status; 100 000 service
records of 2 000 volunteers; 1 000 000 ledger entries of 10 000 households; 5 000 activities
with 50 000 enrolments. Rows are inserted in time order, as the portal writes them. The ledger
rows are inserted by SQL with unique placeholder hashes, NOT a valid hash chain: the ledger check
(verify_points_ledger) is not part of this bench and would reject them.

Then it times, for the last full month: one station's report, the center's report, all reports
of the month (52 sites, reports.services.reports_build_month), the same center figures computed
by a naive Python loop over the rows (and the ratio), and the center's dashboard.
Targets: center report < 0.5 s and >= 20 x faster than the loop; dashboard < 0.3 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_reports_bench"
STATIONS, VOLUNTEERS, HOUSEHOLDS = 50, 2000, 10000
ORDERS, RECORDS, ENTRIES = 200_000, 100_000, 1_000_000
ACTIVITIES, ENROLMENTS = 5_000, 50_000


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path.lstrip("/")])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{parsed.path.lstrip("/")}"')
    admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(label: str, fn, *, repeat: int = 3, target: str = ""):
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    note = f" (best of {repeat})" if repeat > 1 else ""
    print(f"  {label:<52} {best * 1000:9.1f} ms{note}  {target}")
    return best, result


# ---- loading ------------------------------------------------------------------------------------
def load() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from activities.models import Category, MenuItem
    from points.models import Account
    from practice_center.models import Grid, Household, Site, SiteLevel, User
    from volunteers.models import Team, Volunteer, VolunteerStatus

    started = time.perf_counter()
    with transaction.atomic():
        center = Site.objects.create(name="基准中心", level=SiteLevel.CENTER)
        institute = Site.objects.create(name="基准实践所", level=SiteLevel.INSTITUTE, parent=center)
        stations = [
            Site.objects.create(name=f"基准{n:02d}站", level=SiteLevel.STATION, parent=institute)
            for n in range(STATIONS)
        ]
        grids = Grid.objects.bulk_create([Grid(station=s, name="一网格") for s in stations])
        password = make_password(None)
        residents = User.objects.bulk_create(
            [User(username=f"bench-resident-{n}", name=f"居民{n}", password=password) for n in range(STATIONS)]
        )
        households = Household.objects.bulk_create(
            [Household(grid=grids[n % STATIONS], name=f"王{n}家", join_code=f"BN{n:06d}") for n in range(HOUSEHOLDS)]
        )
        Account.objects.bulk_create([Account(household=h) for h in households])
        users = User.objects.bulk_create(
            [User(username=f"bench-volunteer-{n}", name=f"志愿者{n}", password=password) for n in range(VOLUNTEERS)]
        )
        volunteers = Volunteer.objects.bulk_create(
            [
                Volunteer(user=u, site=stations[n % STATIONS], real_name=u.name, status=VolunteerStatus.APPROVED)
                for n, u in enumerate(users)
            ]
        )
        teams = Team.objects.bulk_create(
            [Team(site=s, name=f"{s.name}志愿队", leader=volunteers[n]) for n, s in enumerate(stations)]
        )
        categories = list(Category.objects.values_list("pk", flat=True))
        items = MenuItem.objects.bulk_create(
            [
                MenuItem(site=s, category_id=categories[n % len(categories)], title=f"服务{n}")
                for n, s in enumerate(stations)
            ]
        )
        station_ids = [s.pk for s in stations]
        arrays = {
            "sites": station_ids,
            "residents": [u.pk for u in residents],
            "teams": [t.pk for t in teams],
            "items": [i.pk for i in items],
            "cats": [i.category_id for i in items],
            "volunteers": [v.pk for v in volunteers],
            "accounts": list(Account.objects.order_by("pk").values_list("pk", flat=True)),
        }
        start = datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)
        with connection.cursor() as cursor:
            # Rows are inserted in time order, as the portal writes them (auto_now_add, an
            # append-only ledger), so a month lies in neighbouring pages.
            # Orders: status by gs % 10 (0 submitted, 1 dispatched, 2 accepted, 3-5 completed,
            # 6-8 rated, 9 cancelled), placed over 365 days, times drawn per row.
            cursor.execute(
                """
                INSERT INTO activities_order (kind, status, resident_id, site_id, menu_item_id, category_id, title,
                    description, address, is_public, team_id, summary, comment, reason, created_at,
                    status_changed_at, dispatched_at, accepted_at, completed_at, stars, dispatch_alert_sent,
                    accept_alert_sent)
                SELECT 'menu', st, r[1 + s], site[1 + s], item[1 + s], cat[1 + s], '基准订单', '', '', false,
                    CASE WHEN st IN ('submitted', 'cancelled') THEN NULL ELSE team[1 + s] END, '', '', '',
                    c, c, d, a, p, CASE WHEN st = 'rated' THEN 1 + floor(random() * 5)::int END, false, false
                FROM (
                    SELECT gs, gs %% 50 AS s,
                        (ARRAY['submitted','dispatched','accepted','completed','completed','completed',
                               'rated','rated','rated','cancelled'])[1 + gs %% 10] AS st,
                        %(start)s + (gs::float / %(n)s) * interval '365 days' + random() * interval '1 hour' AS c,
                        %(residents)s::int[] AS r, %(sites)s::int[] AS site, %(items)s::int[] AS item,
                        %(cats)s::int[] AS cat, %(teams)s::int[] AS team
                    FROM generate_series(0, %(n)s - 1) AS gs
                ) base
                CROSS JOIN LATERAL (SELECT CASE WHEN st NOT IN ('submitted', 'cancelled')
                    THEN c + random() * interval '40 hours' END AS d) dd
                CROSS JOIN LATERAL (SELECT CASE WHEN st NOT IN ('submitted', 'cancelled', 'dispatched')
                    THEN d + random() * interval '30 hours' END AS a) aa
                CROSS JOIN LATERAL (SELECT CASE WHEN st IN ('completed', 'rated')
                    THEN a + random() * interval '72 hours' END AS p) pp
                """,
                {**arrays, "start": start, "n": ORDERS},
            )
            cursor.execute(
                """
                INSERT INTO volunteers_servicerecord (volunteer_id, hours, served_on, source, description, status,
                    created_at)
                SELECT v[1 + gs %% %(nv)s], 1 + floor(random() * 4), (%(start)s + random() * interval '365 days')::date,
                    'manual', '', CASE WHEN gs %% 10 = 0 THEN 'pending' ELSE 'verified' END, now()
                FROM generate_series(0, %(n)s - 1) AS gs, (SELECT %(volunteers)s::int[] AS v) vv
                """,
                {**arrays, "start": start, "n": RECORDS, "nv": VOLUNTEERS},
            )
            # Ledger: 90 % earned, 10 % redeemed; placeholder hashes (not a valid chain, see above).
            cursor.execute(
                """
                INSERT INTO points_entry (account_id, sequence, amount, kind, source_type, source_id, evidence,
                    attachment, created_at, note, balance_after, prev_hash, hash)
                SELECT acc[1 + gs %% %(na)s], gs / %(na)s + 1,
                    CASE WHEN gs %% 10 = 9 THEN -1 - floor(random() * 30)::int ELSE 1 + floor(random() * 20)::int END,
                    CASE WHEN gs %% 10 = 9 THEN 'redeem' ELSE 'earn' END,
                    CASE WHEN gs %% 10 = 9 THEN 'redemption' ELSE 'manual' END, gs, '', '',
                    %(start)s + (gs::float / %(n)s) * interval '365 days', '基准', 1000,
                    md5((gs - 1)::text) || md5((gs + 7)::text), md5(gs::text) || md5((gs + 3)::text)
                FROM generate_series(0, %(n)s - 1) AS gs, (SELECT %(accounts)s::int[] AS acc) aa
                """,
                {**arrays, "start": start, "n": ENTRIES, "na": HOUSEHOLDS},
            )
            # Activities: 100 per station over the year (one in ten cancelled), ten sign-ups each
            # (50 000), seven in ten checked in.
            cursor.execute(
                """
                INSERT INTO activities_activity (title, description, starts_at, ends_at, place, waitlist, open_to,
                    status, cancel_reason, summary, created_at, updated_at, category_id, site_id)
                SELECT '基准活动', '', t, t + interval '2 hours', '', true, 'station',
                    CASE WHEN gs %% 10 = 9 THEN 'cancelled' WHEN t < now() THEN 'finished' ELSE 'published' END,
                    CASE WHEN gs %% 10 = 9 THEN '天气' ELSE '' END, '', now(), now(),
                    cat[1 + gs %% 50], site[1 + gs %% 50]
                FROM (SELECT gs, %(start)s + (gs::float / %(n)s) * interval '365 days' AS t,
                        %(sites)s::int[] AS site, %(cats)s::int[] AS cat
                      FROM generate_series(0, %(n)s - 1) AS gs) base
                """,
                {**arrays, "start": start, "n": ACTIVITIES},
            )
            cursor.execute(
                """
                INSERT INTO activities_enrollment (status, checked_in_at, created_at, updated_at, activity_id,
                    person_id)
                SELECT 'enrolled', CASE WHEN gs %% 10 < 7 THEN a.starts_at END, now(), now(), a.id,
                    p[1 + gs %% %(nv)s]
                FROM generate_series(0, %(n)s - 1) AS gs
                JOIN (SELECT id, starts_at, row_number() OVER (ORDER BY id) - 1 AS k
                      FROM activities_activity WHERE title = '基准活动') a ON a.k = gs / 10,
                    (SELECT %(people)s::int[] AS p) pp
                """,
                {"n": ENROLMENTS, "nv": VOLUNTEERS, "people": [u.pk for u in users]},
            )
            for table in (
                "activities_activity",
                "activities_enrollment",
                "activities_order",
                "volunteers_servicerecord",
                "points_entry",
                "practice_center_site",
            ):
                cursor.execute(f"ANALYZE {table}")
    print(f"  loaded in {time.perf_counter() - started:.1f} s")


# ---- the naive loop -----------------------------------------------------------------------------
def naive_center_figures(site, month):
    """The center's headline figures by loading every row of the month into Python."""
    from activities.models import Order
    from points.models import Entry
    from reports.figures import month_window
    from volunteers.models import ServiceRecord

    start, end = month_window(month)
    orders = [
        o
        for o in Order.objects.select_related("site", "category").filter(created_at__gte=start, created_at__lt=end)
        if o.site.path.startswith(site.path)
    ]
    by_status, by_category, dispatch, accept, complete, stars = {}, {}, [], [], [], []
    for o in orders:
        by_status[o.status] = by_status.get(o.status, 0) + 1
        code = o.category.code if o.category else "other"
        by_category[code] = by_category.get(code, 0) + 1
        if o.dispatched_at:
            dispatch.append((o.dispatched_at - o.created_at).total_seconds() / 3600)
        if o.accepted_at and o.dispatched_at:
            accept.append((o.accepted_at - o.dispatched_at).total_seconds() / 3600)
        if o.completed_at:
            complete.append((o.completed_at - o.created_at).total_seconds() / 3600)
        if o.stars:
            stars.append(o.stars)
    records = [
        r
        for r in ServiceRecord.objects.select_related("volunteer__site").filter(
            served_on__gte=start.date(), served_on__lt=end.date(), status="verified"
        )
        if r.volunteer.site.path.startswith(site.path)
    ]
    entries = [
        e
        for e in Entry.objects.select_related("account__household__grid__station").filter(
            created_at__gte=start, created_at__lt=end
        )
        if e.account.household.grid.station.path.startswith(site.path)
    ]
    return {
        "total": len(orders),
        "by_status": by_status,
        "by_category": by_category,
        "dispatch_median": statistics.median(dispatch) if dispatch else None,
        "accept_median": statistics.median(accept) if accept else None,
        "complete_median": statistics.median(complete) if complete else None,
        "rating_mean": sum(stars) / len(stars) if stars else None,
        "hours": sum(r.hours for r in records),
        "active": len({r.volunteer_id for r in records}),
        "issued": sum(e.amount for e in entries if e.kind == "earn"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="drop the bench database and load it again")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.reload:
        import psycopg2

        admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        admin.close()
    ensure_database(url)
    setup_django(url)

    from django.db import connection

    from activities.models import Order
    from practice_center.models import Site, SiteLevel
    from reports import figures, selectors, services
    from reports.models import MonthlyReport

    print(f"reports bench on {connection.settings_dict['NAME']} (PostgreSQL {connection.pg_version // 10000})")
    if not Site.objects.filter(name="基准中心").exists():
        load()
    center = Site.objects.get(name="基准中心")
    station = Site.objects.filter(level=SiteLevel.STATION, path__startswith=center.path).order_by("path").first()
    month = datetime.date(2026, 10, 1)
    start, end = figures.month_window(month)
    print(
        f"  data: {Order.objects.count():,} orders, "
        f"{Site.objects.filter(level=SiteLevel.STATION).count()} stations; month {month:%Y-%m} "
        f"has {Order.objects.filter(created_at__gte=start, created_at__lt=end).count():,} orders"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM points_entry")
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM volunteers_servicerecord")
        records = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM activities_enrollment")
        enrolments = cursor.fetchone()[0]
    print(f"  {entries:,} ledger entries, {records:,} service records, {enrolments:,} enrolments")
    one, _ = timed("one station's report (month_figures)", lambda: figures.month_figures(station, month), target="")
    whole, result = timed(
        "the center's report (month_figures)", lambda: figures.month_figures(center, month), target="target < 500 ms"
    )

    def build_all():
        MonthlyReport.objects.filter(month=month).delete()
        return services.reports_build_month(month=month)

    timed("all reports of the month (52 sites)", build_all, repeat=1)
    naive, loop = timed(
        "the center's figures by a naive Python loop", lambda: naive_center_figures(center, month), repeat=1
    )
    print(f"  {'ratio naive loop / database aggregation':<52} {naive / whole:9.1f} x   target >= 20 x")
    assert loop["total"] == result["orders"]["total"], (loop["total"], result["orders"]["total"])
    assert loop["issued"] == result["points"]["issued"]
    timed("the center's dashboard (this month so far)", lambda: selectors.dashboard(center), target="target < 300 ms")
    print(f"  (one station: {one * 1000:.0f} ms; the loop and the aggregation agree on totals)")


if __name__ == "__main__":
    main()
