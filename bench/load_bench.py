"""Load figures against the production set (deploy/local-run.sh: nginx over TLS, gunicorn, Celery).

    SYSTEM_TEMPLATE_DB=<a seeded database> .venv/bin/python bench/load_bench.py
    (without SYSTEM_TEMPLATE_DB each run migrates and seeds a new database: slower)

Locust (in this process) drives a mix of users for BENCH_SECONDS (default 40) each: residents
browse the menu, order, and look at their points; one staff member dispatches submitted orders;
one team leader accepts dispatched ones. Three runs, each on a fresh deployment with its own
Redis: one web process, two web processes, and two web processes with Redis killed (SIGKILL)
for ten seconds in the middle. Prints requests per second, p50/p95/p99 latency and the error
count of each run; the target is 0 errors in every run. For the Redis run it also names the
errors: endpoint, status, and the exception the web processes logged.

Environment: BENCH_USERS (default 20), BENCH_SECONDS (default 40), WEB_CONCURRENCY (gunicorn
workers per web process, default 2). The deployment runs with MAX_OPEN_ORDERS_PER_RESIDENT
raised so that ordering residents are not refused for having too many open orders.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.system.deployment import Deployment, RedisServer  # noqa: E402

USERS = int(os.environ.get("BENCH_USERS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "40"))

TOKENS_SCRIPT = """
import json
from practice_center.api.tokens import token_create
from practice_center.models import User
staff = User.objects.get(username="demo-staff")
leader = User.objects.get(username="demo-leader")
station = User.objects.get(username="demo-resident").household.grid.station
residents = list(User.objects.filter(household__grid__station=station, is_active=True).order_by("pk")[:40])
token = lambda user: token_create(user=user)
print(json.dumps({
    "staff": token(staff),
    "leader": token(leader),
    "residents": [token(u) for u in residents],
}))
"""

CONFIG: dict = {}


class Resident(FastHttpUser):
    weight = 10
    wait_time = between(0.05, 0.2)

    def on_start(self):
        self.headers = {"Authorization": "Token " + random.choice(CONFIG["residents"])}
        self.menu: list[int] = []

    @task(5)
    def browse_menu(self):
        with self.client.get("/api/v1/menu-items/", headers=self.headers, name="menu", catch_response=True) as r:
            if r.status_code == 200:
                self.menu = [item["id"] for item in r.json()["results"]]

    @task(3)
    def points(self):
        self.client.get("/api/v1/points/account/", headers=self.headers, name="points account")

    @task(2)
    def ledger(self):
        self.client.get("/api/v1/points/entries/", headers=self.headers, name="points entries")

    @task(1)
    def order(self):
        if not self.menu:
            return
        body = {"menu_item": random.choice(self.menu), "description": "load test"}
        self.client.post("/api/v1/orders/", json=body, headers=self.headers, name="order")


class Staff(FastHttpUser):
    fixed_count = 1
    wait_time = between(0.2, 0.5)

    def on_start(self):
        self.headers = {"Authorization": "Token " + CONFIG["staff"]}

    @task
    def dispatch(self):
        r = self.client.get("/api/v1/orders/?status=submitted", headers=self.headers, name="orders to dispatch")
        if r.status_code != 200 or not r.json()["results"]:
            return
        order = r.json()["results"][0]["id"]
        self.client.post(
            f"/api/v1/orders/{order}/dispatch/",
            json={"team": CONFIG["team"]},
            headers=self.headers,
            name="dispatch",
        )


class Leader(FastHttpUser):
    fixed_count = 1
    wait_time = between(0.2, 0.5)

    def on_start(self):
        self.headers = {"Authorization": "Token " + CONFIG["leader"]}

    @task
    def accept(self):
        r = self.client.get("/api/v1/orders/?status=dispatched", headers=self.headers, name="orders to accept")
        if r.status_code != 200 or not r.json()["results"]:
            return
        order = r.json()["results"][0]["id"]
        self.client.post(
            f"/api/v1/orders/{order}/accept/",
            json={"volunteers": [CONFIG["leader_volunteer"]]},
            headers=self.headers,
            name="accept",
        )


def configure(dep: Deployment) -> None:
    out = dep.manage("shell", "-c", TOKENS_SCRIPT)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    CONFIG.update(json.loads(out.stdout.strip().splitlines()[-1]))
    session = dep.session()
    me = session.get(dep.https + "/api/v1/me/", headers={"Authorization": "Token " + CONFIG["leader"]}, timeout=30)
    CONFIG["team"] = next(role["team"] for role in me.json()["roles"] if role["role"] == "team_leader")
    CONFIG["leader_volunteer"] = me.json()["volunteer"]


def run_load(dep: Deployment, *, redis_outage: tuple[float, float] | None = None) -> dict:
    Resident.host = Staff.host = Leader.host = dep.https
    env = Environment(user_classes=[Resident, Staff, Leader])
    runner = env.create_local_runner()
    runner.start(USERS, spawn_rate=USERS)
    started = time.monotonic()
    outage_note = ""
    if redis_outage:
        down_at, back_at = redis_outage
        gevent.sleep(down_at)
        port = dep.redis.port
        dep.redis.stop()
        killed = time.monotonic()
        gevent.sleep(back_at - down_at)
        dep.redis = RedisServer.start(dep.run_dir, port=port)
        outage_note = f"Redis down {time.monotonic() - killed:.1f} s from t={killed - started:.0f} s"
    gevent.sleep(max(0.0, SECONDS - (time.monotonic() - started)))
    runner.quit()
    total = env.stats.total
    errors = collections.Counter()
    for error in env.stats.errors.values():
        errors[f"{error.method} {error.name}: {error.error}"] += error.occurrences
    by_name = {
        name: (entry.num_requests, entry.num_failures)
        for (name, _method), entry in env.stats.entries.items()
        if entry.num_requests
    }
    return {
        "requests": total.num_requests,
        "rps": total.num_requests / max(SECONDS, 1e-9),
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "errors": total.num_failures,
        "error_kinds": errors,
        "by_name": by_name,
        "note": outage_note,
    }


def server_exceptions(dep: Deployment) -> collections.Counter:
    """The exception classes in the web processes' tracebacks and error lines."""
    found = collections.Counter()
    for process in ("web1", "web2"):
        text = dep.log(process)
        for match in re.finditer(r"^(\w+(?:\.\w+)*(?:Error|Exception|Refused)\w*): (.{0,80})", text, re.M):
            found[f"{match.group(1)}: {match.group(2)}"] += 1
        found["5xx access lines"] += len(re.findall(r"portal\.request \[\w+\] \w+ \S+ 5\d\d ", text))
        # Where the cache call that failed came from: the last frame outside Django's cache and redis-py.
        for traceback in text.split("Traceback (most recent call last):")[1:]:
            frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)', traceback)
            callers = [f for f in frames if "redis" not in f[0] and "/cache/backends/" not in f[0]]
            if callers and "redis" in traceback:
                path, line, function = callers[-1]
                callers[-1] = ("/".join(Path(path).parts[-2:]), line, function)
                found["raised from " + ":".join(callers[-1])] += 1
    return found


def print_result(label: str, result: dict) -> None:
    print(
        f"{label:<38} {result['rps']:7.1f} req/s  p50 {result['p50']:5.0f} ms  p95 {result['p95']:5.0f} ms"
        f"  p99 {result['p99']:5.0f} ms  errors {result['errors']} (target 0)  [{result['requests']} requests]"
    )
    if result["note"]:
        print(f"{'':<38} {result['note']}")
    for kind, count in result["error_kinds"].most_common(8):
        print(f"{'':<38} {count:5d} x {kind}")


def main() -> int:
    concurrency = os.environ.get("WEB_CONCURRENCY", "2")
    env = {"MAX_OPEN_ORDERS_PER_RESIDENT": "100000", "WEB_CONCURRENCY": concurrency, "LOG_LEVEL": "INFO"}
    print(
        f"Load: {USERS} users ({USERS - 2} residents, 1 staff, 1 leader) for {SECONDS:.0f} s per run, "
        f"through nginx/TLS, {concurrency} gunicorn workers per web process, {os.cpu_count()} cores"
    )
    failures = 0
    for label, processes, outage in (
        ("one web process", 1, None),
        ("two web processes", 2, None),
        ("two web processes, Redis killed 10 s", 2, (SECONDS / 2 - 5, SECONDS / 2 + 5)),
    ):
        keep = ROOT / "bench" / "out" / f"load-{processes}-web{'-redis-outage' if outage else ''}"
        with Deployment.up(name=f"bench{processes}", env=env, web_processes=processes, keep_dir=keep) as dep:
            configure(dep)
            result = run_load(dep, redis_outage=outage)
            print_result(label, result)
            if outage:
                for kind, count in server_exceptions(dep).most_common(8):
                    print(f"{'':<38} server log: {count:5d} x {kind}")
            failures += result["errors"]
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
