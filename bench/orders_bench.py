"""Orders at district scale: 100 000 orders over 50 stations in a PostgreSQL database of its
own, served by gunicorn on 127.0.0.1 and loaded with wrk. Prints figures; asserts nothing.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_orders_bench \\
        .venv/bin/python bench/orders_bench.py [--orders 100000] [--stations 50] [--seconds 5] [--rounds 3] [--reload]

It prints requests per second of: the staff dispatch queue page (staff of one station, about
2 000 orders), GET /api/v1/menu-items/ (a resident), and a bare Django view returning the same
menu rows from the same server (mounted only with ORDERS_BENCH_VIEWS=1), and the ratio
menu-API / bare (target >= 0.5). The database is loaded once and reused unless --reload.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_orders_bench"
PORT = int(os.environ.get("BENCH_PORT", "8743"))
# One key for this process and the server, so the session made here is valid there.
SECRET_KEY = secrets.token_urlsafe(60)


def ensure_database(url: str, *, recreate: bool) -> None:
    from urllib.parse import urlparse

    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        if recreate:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "practice_center.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "THROTTLE_USER": "100000000/min",
        "THROTTLE_ANON": "100000000/min",
        "ORDERS_BENCH_VIEWS": "1",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "FAST_PASSWORD_HASHER": "1",
    }


def manage(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        cwd=ROOT,
        env=server_env(url),
        stdout=subprocess.DEVNULL,
    )


def setup_django(url: str) -> None:
    os.environ.update({"DATABASE_URL": url, "FAST_PASSWORD_HASHER": "1", "SECRET_KEY": SECRET_KEY})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
    import django

    django.setup()


# ---- loading ------------------------------------------------------------------------------------
STATUS_MIX = [
    ("submitted", 10),
    ("dispatched", 10),
    ("accepted", 5),
    ("completed", 30),
    ("rated", 40),
    ("cancelled", 3),
    ("rejected", 2),
]


def load(n_orders: int, n_stations: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from activities.models import Category, MenuItem, Order
    from practice_center.models import Grid, Household, Role, RoleAssignment, Site, SiteLevel, User
    from volunteers.models import Team, TeamMembership, Volunteer, VolunteerStatus

    rng = random.Random(7)
    started = time.perf_counter()
    categories = list(Category.objects.all())
    with transaction.atomic():
        center = Site(name="基准中心", level=SiteLevel.CENTER)
        center.save()
        institute = Site(name="基准实践所", level=SiteLevel.INSTITUTE, parent=center)
        institute.save()
        for c in categories[:4]:
            MenuItem.objects.create(site=center, category=c, title=f"中心{c.name_zh}服务", description="全域服务")
        station_data = []
        for s in range(n_stations):
            station = Site(name=f"基准实践站{s + 1:02d}", level=SiteLevel.STATION, parent=institute)
            station.save()
            grid = Grid.objects.create(station=station, name="第1网格")
            households = Household.objects.bulk_create([Household(grid=grid, name=f"站{s}户{h}") for h in range(20)])
            residents = User.objects.bulk_create(
                [
                    User(username=f"b-{s}-{h}", name=f"居民{s}-{h}", household=household, password="!")
                    for h, household in enumerate(households)
                ]
            )
            leader = Volunteer.objects.create(
                user=residents[0],
                site=station,
                real_name=residents[0].name,
                skills=["法律"],
                status=VolunteerStatus.APPROVED,
            )
            team = Team.objects.create(site=station, name=f"基准队{s}", leader=leader)
            TeamMembership.objects.create(team=team, volunteer=leader)
            items = [
                MenuItem.objects.create(site=station, category=c, title=f"站{s}{c.name_zh}", description="上门服务")
                for c in rng.sample(categories, 6)
            ]
            station_data.append((station, residents, team, items))
        staff = User(username="bench-staff", name="基准站管理员")
        staff.set_password("bench-pass-123")
        staff.save()
        RoleAssignment.objects.create(user=staff, role=Role.STATION_STAFF, site=station_data[0][0])
    print(f"  organisation and menu loaded in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    statuses = [status for status, weight in STATUS_MIX for _ in range(weight)]
    now = timezone.now()
    batch: list[Order] = []
    for i in range(n_orders):
        station, residents, team, items = station_data[i % n_stations]
        status = rng.choice(statuses)
        item = rng.choice(items)
        created = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        in_hand = status in ("dispatched", "accepted", "completed", "rated")
        batch.append(
            Order(
                kind="menu",
                status=status,
                resident=rng.choice(residents),
                site=station,
                menu_item=item,
                category_id=item.category_id,
                title=item.title,
                team=team if in_hand else None,
                stars=rng.randint(3, 5) if status == "rated" else None,
                created_at=created,
                status_changed_at=created + datetime.timedelta(hours=rng.randint(0, 48)),
            )
        )
        if len(batch) == 5000:
            Order.objects.bulk_create(batch)
            batch = []
    if batch:
        Order.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {n_orders} orders loaded in {time.perf_counter() - started:.1f} s")


def credentials() -> tuple[str, str]:
    """A session cookie of the station staff member and an API token of a resident."""
    from django.test import Client

    from practice_center.api.tokens import token_create
    from practice_center.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-staff"))
    session = client.cookies["sessionid"].value
    return session, token_create(user=User.objects.get(username="b-0-5"))


# ---- serving and loading ------------------------------------------------------------------------
def wait_for(url: str, headers: dict[str, str], seconds: float = 30) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.geturl() != url:  # redirected (to the login page): not what we measure
                    return 302, f"redirected to {response.geturl()}".encode()
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def wrk(url: str, header: str, seconds: int, connections: int) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-H", header, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = re.search(r"Latency\s+(\S+)", out)
    note = f"avg latency {latency.group(1) if latency else '?'}"
    if bad:
        note += f", NON-2xx responses: {bad.group(1)}"
    return rps, note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per URL and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in which the URLs take turns")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--reload", action="store_true", help="drop and reload the bench database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 1

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    print(f"database {url}")
    ensure_database(url, recreate=args.reload)
    manage(url, "migrate", "--noinput")
    setup_django(url)
    from activities.models import Order

    if Order.objects.count() < args.orders:
        if Order.objects.exists():
            print("partial data from an earlier run; use --reload")
            return 1
        load(args.orders, args.stations)
    else:
        print(f"  reusing {Order.objects.count()} orders")
    session, token = credentials()
    staff_orders = Order.objects.filter(site__name="基准实践站01").count()
    manage(url, "collectstatic", "--noinput")

    base = f"http://127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "practice_center.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(url),
        start_new_session=True,
    )
    try:
        targets = [
            ("staff queue page", f"{base}/activities/orders/queue/", f"Cookie: sessionid={session}"),
            ("GET /api/v1/menu-items/", f"{base}/api/v1/menu-items/", f"Authorization: Token {token}"),
            ("bare Django menu view", f"{base}/activities/bench/menu/", f"Authorization: Token {token}"),
        ]
        for label, target, header in targets:
            name, value = header.split(": ", 1)
            status, body = wait_for(target, {name: value})
            if status != 200:
                print(f"{label}: HTTP {status}: {body[:300]!r}")
                return 1
        print(
            f"\n{args.orders} orders over {args.stations} stations; the staff member's station has {staff_orders}; "
            f"gunicorn {args.workers} workers, wrk 2 threads x {args.connections} connections, "
            f"{args.rounds} rounds of {args.seconds} s per URL"
        )
        # Other work shares this machine, so the targets take turns over several short rounds and
        # each figure is the median of its rounds; the ratio compares medians of interleaved runs.
        runs: dict[str, list[float]] = {label: [] for label, _, _ in targets}
        notes: dict[str, str] = {}
        for _ in range(args.rounds):
            for label, target, header in targets:
                rps, notes[label] = wrk(target, header, args.seconds, args.connections)
                runs[label].append(rps)
        results = {label: statistics.median(values) for label, values in runs.items()}
        for label, _, _ in targets:
            rounds = ", ".join(f"{v:.0f}" for v in runs[label])
            print(f"  {label:<28} {results[label]:9.1f} requests/s median  (rounds: {rounds}; last {notes[label]})")
        ratio = results["GET /api/v1/menu-items/"] / results["bare Django menu view"]
        print(f"  menu API / bare view ratio   {ratio:9.2f}  (target >= 0.5)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
