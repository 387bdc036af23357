"""Points ledger at town scale: 1 000 000 entries over 20 000 households, on a PostgreSQL
database of its own. Prints figures; asserts nothing.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_pcore_bench \
        .venv/bin/python bench/points_bench.py [--households 20000] [--entries 1000000] [--reload]

The database is created and migrated if needed, and loaded once with COPY (hash chains computed
here, exactly as the services compute them); later runs reuse it unless --reload. Then it times:
the resident's balance + ledger API calls, a station ranking (points.rankings), the whole
verify_points_ledger, and redemptions per second with 16 concurrent clients against plain
single-row inserts on the same database (the ratio is the figure; target >= 0.3).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_pcore_bench"


def ensure_database(url: str) -> None:
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
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
    import django

    django.setup()


def timed(label: str, fn, repeat: int = 1):
    best = None
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"  {label:<58} {best * 1000:10.1f} ms" + (f" (best of {repeat})" if repeat > 1 else ""))
    return result


# ---- loading ------------------------------------------------------------------------------------
def load(n_households: int, n_entries: int) -> None:
    from django.db import connection, transaction

    from points.models import GENESIS_HASH, Account, Entry, Rule
    from practice_center.models import Grid, Household, Role, RoleAssignment, Site, SiteLevel, User
    from practice_center.models.organisation import generate_join_codes

    rng = random.Random(42)
    started = time.perf_counter()
    with transaction.atomic():
        center = Site(name="基准中心", level=SiteLevel.CENTER)
        center.save()
        institute = Site(name="基准所", level=SiteLevel.INSTITUTE, parent=center)
        institute.save()
        stations = []
        for i in range(20):
            station = Site(name=f"基准站{i + 1:02d}", level=SiteLevel.STATION, parent=institute)
            station.save()
            stations.append(station)
        grids = Grid.objects.bulk_create(
            [Grid(station=station, name=f"网格{g + 1}") for station in stations for g in range(5)]
        )
        # bulk_create bypasses Household.save and its retry on a clash: draw distinct codes.
        taken = set(Household.objects.values_list("join_code", flat=True))
        codes = generate_join_codes(n_households, taken=taken)
        households = Household.objects.bulk_create(
            [
                Household(
                    grid=grids[i % len(grids)],
                    name=f"基准户{i + 1:05d}",
                    category="migrant" if i % 7 == 0 else "local",
                    join_code=codes[i],
                )
                for i in range(n_households)
            ],
            batch_size=5000,
        )
        staff = User.objects.create_user("bench-staff", password="x", name="基准站长")
        RoleAssignment.objects.create(user=staff, role=Role.STATION_STAFF, site=stations[0])
        residents = [
            User(
                username=f"bench-resident-{i}", name=f"居民{i}", household=households[i * (n_households // 16) + i * 5]
            )  # 16 different stations
            for i in range(16)
        ]
        User.objects.bulk_create(residents)
    print(f"  organisation: {n_households} households in {time.perf_counter() - started:.1f} s")

    rules = {rule.code: rule for rule in Rule.objects.prefetch_related("versions")}
    earn_rules = [
        (rule.pk, version.pk, version.points, rule.name_zh)
        for code in ("attend_activity", "service_hour", "cleanup", "good_deed", "public_welfare")
        for rule in [rules[code]]
        for version in [rule.versions.order_by("number").first()]
    ]
    now = datetime.datetime.now(datetime.UTC)
    per_household = n_entries // n_households
    columns = (
        "account_id,sequence,amount,kind,rule_id,rule_version_id,source_type,source_id,evidence,attachment,"
        "corrects_id,actor_id,created_at,note,balance_after,prev_hash,hash"
    )
    started = time.perf_counter()
    accounts = []
    for household in households:
        accounts.append(Account(household=household))
    accounts = Account.objects.bulk_create(accounts, batch_size=5000)
    buffer = io.StringIO()
    total = 0
    heads = []
    for account in accounts:
        balance, prev = 0, GENESIS_HASH
        base = now - datetime.timedelta(days=365)
        for seq in range(1, per_household + 1):
            at = base + datetime.timedelta(seconds=seq * 600_000 + rng.randint(0, 500))
            if seq % 10 == 0 and balance >= 20:
                amount, kind, rule_id, version_id, note = -20, "redeem", None, None, "兑换 香皂 × 2 = 20 分"
                source_type, source_id = "redemption", 10_000_000 + total
            else:
                rule_id, version_id, points, name = rng.choice(earn_rules)
                amount, kind, note = points, "earn", f"{name}：{points} 分"
                source_type, source_id = "manual", None
            balance += amount
            entry = Entry(
                account_id=account.pk,
                sequence=seq,
                amount=amount,
                kind=kind,
                rule_id=rule_id,
                rule_version_id=version_id,
                source_type=source_type,
                source_id=source_id,
                evidence="",
                corrects_id=None,
                actor_id=None,
                created_at=at,
                note=note,
                balance_after=balance,
                prev_hash=prev,
            )
            entry.hash = entry.compute_hash()
            prev = entry.hash
            n = "\\N"
            buffer.write(
                f"{account.pk}\t{seq}\t{amount}\t{kind}\t{rule_id or n}\t{version_id or n}\t{source_type}\t"
                f"{n if source_id is None else source_id}\t\t\t{n}\t{n}\t{at.isoformat()}\t{note}\t{balance}\t"
                f"{entry.prev_hash}\t{entry.hash}\n"
            )
            total += 1
        heads.append((account.pk, balance, per_household, prev))
        if buffer.tell() > 32_000_000:
            _copy(buffer, columns)
            buffer = io.StringIO()
    _copy(buffer, columns)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_heads (id int, balance int, seq int, hash varchar(64))")
        head_buffer = io.StringIO("".join(f"{a}\t{b}\t{s}\t{h}\n" for a, b, s, h in heads))
        cursor.cursor.copy_expert("COPY bench_heads FROM STDIN", head_buffer)
        cursor.execute(
            "UPDATE points_account a SET balance = h.balance, last_sequence = h.seq, last_hash = h.hash "
            "FROM bench_heads h WHERE a.id = h.id"
        )
        cursor.execute("DROP TABLE bench_heads")
        cursor.execute("ANALYZE")
    print(f"  ledger: {total} entries (hash chains computed, COPY) in {time.perf_counter() - started:.1f} s")


def _copy(buffer: io.StringIO, columns: str) -> None:
    from django.db import connection

    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY points_entry ({columns}) FROM STDIN", buffer)


# ---- measuring ------------------------------------------------------------------------------------
def measure_pages() -> None:
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from practice_center.models import User

    user = User.objects.get(username="bench-resident-0")
    client = APIClient()
    client.force_authenticate(user)
    with override_settings(ALLOWED_HOSTS=["*"]):
        timed(
            "GET /api/v1/points/account/ (balance + rank in station)", lambda: client.get("/api/v1/points/account/"), 5
        )
        timed("GET /api/v1/points/entries/ (ledger, first page)", lambda: client.get("/api/v1/points/entries/"), 5)
        timed("GET /api/v1/points/entries/?page=3", lambda: client.get("/api/v1/points/entries/", {"page": 3}), 5)
    from points.selectors import balance_of, ledger_of

    household = user.household
    timed("selector balance_of", lambda: balance_of(household), 5)
    timed("selector ledger_of, 20 newest", lambda: list(ledger_of(household)[:20]), 5)


def measure_ranking() -> None:
    from points.models import Entry
    from practice_center.models import Site

    station = Site.objects.filter(name="基准站01").first()
    try:
        from points.rankings import current_year, ranking

        period = current_year()
        rows = timed(
            "station ranking (points.rankings.ranking), top 50",
            lambda: list(ranking(site=station, period=period)[:50]),
            3,
        )
        timed("station ranking, all households counted", lambda: ranking(site=station, period=period).count(), 3)
        print(f"    ranked households shown: {len(rows)}")
    except ImportError:
        from django.db.models import Sum

        timed(
            "station ranking (own aggregate)",
            lambda: list(
                Entry.objects.filter(account__household__grid__station=station, kind="earn")
                .values("account__household")
                .annotate(points=Sum("amount"))
                .order_by("-points")[:50]
            ),
            3,
        )


def measure_verify() -> None:
    from django.core.management import call_command

    timed("manage.py verify_points_ledger (all entries)", lambda: call_command("verify_points_ledger"))


def _run_clients(n_clients: int, per_client: int, work) -> float:
    """Run `work(i, j)` per_client times in each of n_clients PROCESSES (each its own database
    connection, like gunicorn workers; threads would measure the GIL instead); return successful
    calls per second. Failures are counted and printed."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a connection across fork
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(n_clients + 1)
    results = context.Queue()

    def target(i: int) -> None:
        ok, failed, first = 0, 0, None
        barrier.wait()
        for j in range(per_client):
            try:
                work(i, j)
                ok += 1
            except Exception as exc:  # noqa: BLE001 - counted and printed
                failed += 1
                first = first or repr(exc)
        connections.close_all()
        results.put((ok, failed, first))

    processes = [context.Process(target=target, args=(i,)) for i in range(n_clients)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    failed = sum(o[1] for o in outcomes)
    if failed:
        print(f"    {failed} calls failed, e.g. {next(o[2] for o in outcomes if o[2])}")
    return sum(o[0] for o in outcomes) / elapsed


def measure_throughput(n_clients: int = 16, per_client: int = 60) -> None:
    from django.db import connection, transaction

    from points.models import Product
    from points.services.ledger import points_adjust
    from points.services.shop import redemption_create
    from practice_center.models import Site, User

    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", password="x", name="基准管理员"
    )
    users = [
        User.objects.select_related("household__grid__station").get(username=f"bench-resident-{i}")
        for i in range(n_clients)
    ]
    for user in users:  # enough points for every run
        points_adjust(household=user.household, amount=10_000, actor=admin, reason="基准测试充值")
    # Each resident redeems soap at the own station (the usual case: goods are per station)...
    own = {}
    for user in users:
        station = user.household.grid.station
        own[user.pk], _ = Product.objects.get_or_create(
            site=station, name="基准香皂", defaults={"price": 1, "stock": 10**9}
        )
    # ...and the worst case: everybody after the same goods at the institute (one hot row).
    institute = Site.objects.get(name="基准所")
    shared_product, _ = Product.objects.get_or_create(
        site=institute, name="基准保温杯", defaults={"price": 1, "stock": 10**9}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_plain_insert (id bigserial primary key, household_id int, amount int,"
            " note varchar(200), created_at timestamptz)"
        )

    def redeem_own(i: int, j: int) -> None:
        redemption_create(user=users[i], product=own[users[i].pk], quantity=1)

    def redeem_hot(i: int, j: int) -> None:
        redemption_create(user=users[i], product=shared_product, quantity=1)

    def redeem_one_household(i: int, j: int) -> None:
        redemption_create(user=users[0], product=own[users[0].pk], quantity=1)

    def insert(i: int, j: int) -> None:
        with connection.cursor() as cursor:  # autocommit: one transaction per row, like a redemption
            cursor.execute(
                "INSERT INTO bench_plain_insert (household_id, amount, note, created_at) VALUES (%s, %s, %s, now())",
                [users[i].household_id, -1, "plain"],
            )

    def insert_in_transaction(i: int, j: int) -> None:
        # The same row, but the way the portal writes: a Django transaction (BEGIN, INSERT, COMMIT).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain_insert (household_id, amount, note, created_at) VALUES (%s, %s, %s, now())",
                [users[i].household_id, -1, "plain"],
            )

    stations = len({p.site_id for p in own.values()})
    inserts = _run_clients(n_clients, per_client, insert)
    inserts_tx = _run_clients(n_clients, per_client, insert_in_transaction)
    one_client = _run_clients(1, per_client * 2, redeem_own)
    spread = _run_clients(n_clients, per_client, redeem_own)
    hot = _run_clients(n_clients, per_client // 2, redeem_hot)
    single = _run_clients(n_clients, per_client // 4, redeem_one_household)
    print(f"  plain single-row inserts/s, {n_clients} clients (processes)                {inserts:10.1f}")
    print(f"  redemptions/s, {n_clients} households, goods of own station ({stations} products) {spread:10.1f}")
    print(f"  ratio redemptions / plain inserts                                          {spread / inserts:10.2f}")
    print(f"  plain inserts/s in a Django transaction, {n_clients} clients                     {inserts_tx:10.1f}")
    print(f"  ratio redemptions / inserts in a transaction                               {spread / inserts_tx:10.2f}")
    print(f"  redemptions/s, ONE client (no contention)                                  {one_client:10.1f}")
    print(
        f"  scaling 1 -> {n_clients} clients (no global lock: > 1 on a multi-core server)      "
        f"{spread / one_client:10.2f}"
    )
    print(f"  redemptions/s, {n_clients} households, ONE product (hot row)               {hot:10.1f}")
    print(f"  ratio (hot product) / plain inserts                                        {hot / inserts:10.2f}")
    print(f"  redemptions/s, {n_clients} clients, ONE household (one account lock)       {single:10.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--reload", action="store_true", help="Drop and rebuild the bench database.")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("The bench needs PostgreSQL (BENCH_DATABASE_URL=postgres://...).")
        return 2
    if args.reload:
        from urllib.parse import urlparse

        import psycopg2

        parsed = urlparse(url)
        admin = psycopg2.connect(
            host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, dbname="postgres"
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}"')
        admin.close()
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    from points.models import Entry

    call_command("migrate", verbosity=0)
    print(f"database {url}")
    if not Entry.objects.exists():
        print("loading:")
        load(args.households, args.entries)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM points_entry")
        n_entries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM points_account")
        n_accounts = cursor.fetchone()[0]
    print(f"data: {n_entries} entries, {n_accounts} accounts")
    print("resident's balance and ledger:")
    measure_pages()
    print("ranking:")
    measure_ranking()
    print("throughput:")
    measure_throughput()
    print("verification:")
    measure_verify()
    return 0


if __name__ == "__main__":
    sys.exit(main())
