"""Scheduled activities under load, on a PostgreSQL database of its own. Prints figures; asserts
nothing (the invariant after the race is printed as OK or BROKEN).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_sessions_bench \
        .venv/bin/python bench/activities_bench.py [--signups 1000] [--seats 200] [--clients 16] [--activities 5000]

The database is created and migrated if needed; residents and the 5 000 activities are loaded
once and reused. Each run then:
1. opens a new activity with `--seats` seats and sends `--signups` sign-ups through the API
   (`POST /api/v1/activities/{id}/enroll/`) from `--clients` concurrent clients (processes, each
   with its own connection, like gunicorn workers), and checks the invariant afterwards: exactly
   `seats` enrolled, the rest waitlisted with distinct positions 1..n;
2. sends the same number of plain single-row inserts from the same number of clients (the ratio
   is the figure: the cost of the row lock, the counts, the audit row and DRF);
3. times the calendar page and the public .ics feed of a station with 5 000 activities
   (time and query count).
Target: the invariant holds; figures go in the closing note.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_sessions_bench"
sys.path.insert(0, str(ROOT / "bench"))

from points_bench import _run_clients, ensure_database, setup_django, timed  # noqa: E402


def load(n_people: int, n_activities: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from activities.models import Activity, Category, OpenTo
    from practice_center.models import Grid, Household, Role, RoleAssignment, Site, SiteLevel, User

    started = time.perf_counter()
    center = Site.objects.create(name="基准中心", level=SiteLevel.CENTER)
    institute = Site.objects.create(name="基准所", level=SiteLevel.INSTITUTE, parent=center)
    station = Site.objects.create(name="基准站", level=SiteLevel.STATION, parent=institute, rooms=["道德讲堂"])
    points = [Site.objects.create(name=f"基准点{i}", level=SiteLevel.POINT, parent=station) for i in range(5)]
    grid = Grid.objects.create(station=station, name="基准网格")
    households = Household.objects.bulk_create(
        [Household(grid=grid, name=f"基准户{i}") for i in range(n_people)], batch_size=1000
    )
    password = make_password("x")
    User.objects.bulk_create(
        [
            User(username=f"bench-person-{i}", name=f"居民{i}", household=household, password=password)
            for i, household in enumerate(households)
        ],
        batch_size=1000,
    )
    staff = User.objects.create(username="bench-staff", name="基准管理员", password=password)
    RoleAssignment.objects.create(user=staff, role=Role.STATION_STAFF, site=station)
    category = Category.objects.first()
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    sites = [station, *points]
    rows = []
    for i in range(n_activities):
        # Spread over about two years around today, 8-9 a day at the station and its points.
        start = now + datetime.timedelta(days=(i % 600) - 300, hours=(i * 7) % 10 - 5)
        rows.append(
            Activity(
                site=sites[i % len(sites)],
                title=f"基准活动{i}",
                category=category,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                place="道德讲堂",
                capacity=50,
                open_to=OpenTo.STATION,
                status="published" if i % 17 else "cancelled",
                cancel_reason="" if i % 17 else "下雨",
                published_at=now,
            )
        )
    Activity.objects.bulk_create(rows, batch_size=1000)
    print(f"  loaded {n_people} residents and {n_activities} activities in {time.perf_counter() - started:.1f} s")


def race(n_signups: int, seats: int, n_clients: int) -> None:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone
    from rest_framework.test import APIClient

    from activities.models import Activity, Category, Enrollment
    from practice_center.models import Site, User

    station = Site.objects.get(name="基准站")
    start = timezone.now() + datetime.timedelta(days=3)
    activity = Activity.objects.create(
        site=station,
        title=f"基准抢报名 {timezone.now():%H:%M:%S.%f}",
        category=Category.objects.first(),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=seats,
        status="published",
    )
    people = list(User.objects.filter(username__startswith="bench-person-").order_by("pk").values_list("pk", flat=True))
    people = people[:n_signups]
    per_client = -(-len(people) // n_clients)

    def sign_up(i: int, j: int) -> None:
        index = i + j * n_clients
        if index >= len(people):
            return
        client = APIClient()
        client.force_authenticate(User.objects.get(pk=people[index]))
        with override_settings(ALLOWED_HOSTS=["*"]):
            answer = client.post(f"/api/v1/activities/{activity.pk}/enroll/")
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code} {answer.content[:200]!r}")

    rate = _run_clients(n_clients, per_client, sign_up)
    rows = Enrollment.objects.filter(activity=activity)
    enrolled = rows.filter(status="enrolled").count()
    positions = list(rows.filter(status="waitlisted").order_by("position").values_list("position", flat=True))
    ok = enrolled == min(seats, len(people)) and positions == list(range(1, len(people) - enrolled + 1))
    print(f"  sign-ups/s through the API, {n_clients} clients, {len(people)} for {seats} seats      {rate:10.1f}")
    print(
        f"  after the race: {enrolled} enrolled, {len(positions)} waitlisted, positions distinct 1..n: "
        f"{'OK' if ok else 'BROKEN'}"
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_plain_signup (id bigserial primary key, activity_id int, person_id int,"
            " created_at timestamptz)"
        )

    def insert(i: int, j: int) -> None:
        index = i + j * n_clients
        if index >= len(people):
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain_signup (activity_id, person_id, created_at) VALUES (%s, %s, now())",
                [activity.pk, people[index]],
            )

    inserts = _run_clients(n_clients, per_client, insert)
    print(f"  plain single-row inserts/s, {n_clients} clients                                {inserts:10.1f}")
    print(f"  ratio sign-ups / plain inserts                                             {rate / inserts:10.3f}")


def pages() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from activities.models import Activity
    from practice_center.models import Site, User

    station = Site.objects.get(name="基准站")
    total = Activity.objects.filter(site__path__startswith=station.path).count()
    print(f"  activities at the station and its points: {total}")
    resident = User.objects.get(username="bench-person-0")
    staff = User.objects.get(username="bench-staff")
    month = timezone.localdate().strftime("%Y-%m")
    with override_settings(ALLOWED_HOSTS=["*"]):
        for label, user in (("resident", resident), ("staff", staff)):
            client = Client()
            client.force_login(user)
            url = f"/activities/calendar/?site={station.pk}&month={month}"
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                answer = timed(f"calendar page, this month ({label})", lambda c=client, u=url: c.get(u), 5)
            shown = answer.content.decode().count("session-card")
            print(f"    {answer.status_code}, {shown} activities shown, {len(queries) // 5} queries per page")
        anonymous = Client()
        url = f"/api/v1/sites/{station.pk}/calendar.ics"
        from django.core.cache import cache

        def cold():
            cache.clear()
            return anonymous.get(url)

        with CaptureQueriesContext(connection) as queries:
            answer = timed("GET /api/v1/sites/{id}/calendar.ics, built (anonymous)", cold, 3)
        print(
            f"    {answer.status_code}, {answer.content.count(b'BEGIN:VEVENT')} events, "
            f"{len(answer.content) // 1024} KiB, {len(queries) // 3} queries"
        )
        with CaptureQueriesContext(connection) as queries:
            answer = timed("GET /api/v1/sites/{id}/calendar.ics, unchanged (cached)", lambda: anonymous.get(url), 5)
        print(
            f"    {answer.status_code}, {answer.content.count(b'BEGIN:VEVENT')} events, "
            f"{len(answer.content) // 1024} KiB, {len(queries) // 5} queries"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signups", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--activities", type=int, default=5000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("The bench needs PostgreSQL (BENCH_DATABASE_URL=postgres://...).")
        return 2
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    from practice_center.models import User

    call_command("migrate", verbosity=0)
    print(f"database {url}")
    if not User.objects.filter(username="bench-staff").exists():
        print("loading:")
        load(max(args.signups, 1000), args.activities)
    print("sign-up race:")
    race(args.signups, args.seats, args.clients)
    print("the same through ONE client (no contention; the per-request cost):")
    race(min(args.signups, 200), min(args.seats, 50), 1)
    print("pages:")
    pages()
    return 0


if __name__ == "__main__":
    sys.exit(main())
