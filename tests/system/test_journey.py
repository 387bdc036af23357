"""The production set on this machine (deploy/local-run.sh: nginx, two web processes, two workers,
and two beats, one started by mistake), driven through nginx over TLS by the whole journey:
a resident orders, staff dispatch, the leader accepts and completes, the resident rates, a
redemption is made and fulfilled. Requests alternate between the two web processes (nginx round
robin); log-in sessions and log-in limits hold across them. Mid-run a worker is SIGKILLed while
it sends an SMS and is restarted, and a web process is SIGKILLed. Then: no action lost, every
notification and SMS delivered exactly once, each beat job sent once per period, the request ids
on audit rows and in the worker's log lines, no phone number in any log, the ledger intact.
"""

from __future__ import annotations

import collections
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.system.deployment import ROOT, Deployment

PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
SMS_KINDS = ("order_submitted", "order_dispatched", "order_to_accept", "order_accepted", "order_completed")
DEMO_PHONES = [f"138000000{n:02d}" for n in range(1, 8)]
ARTIFACTS = ROOT / "test-artifacts" / "system"


def wait_for(what: str, check, seconds: float = 60, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Journey:
    """Calls through nginx; remembers every answer's request id (nginx's $request_id)."""

    def __init__(self, dep: Deployment):
        self.dep = dep
        self.request_ids: list[str] = []
        self.sessions: dict[str, object] = {}
        self.tokens: dict[str, str] = {}

    def call(self, who: str, method: str, path: str, expect: int = 200, **kwargs):
        session = self.sessions.setdefault(who, self.dep.session())
        headers = kwargs.pop("headers", {})
        if who in self.tokens:
            headers["Authorization"] = f"Token {self.tokens[who]}"
        response = session.request(method, self.dep.https + path, headers=headers, timeout=30, **kwargs)
        self.request_ids.append(response.headers.get("X-Request-ID", ""))
        assert response.status_code == expect, f"{method} {path} as {who}: {response.status_code} {response.text[:300]}"
        return response

    def api(self, who: str, method: str, path: str, expect: int = 200, **kwargs) -> dict:
        return self.call(who, method, "/api/v1" + path, expect, **kwargs).json()

    def log_in_api(self, who: str) -> None:
        self.tokens[who] = self.api(
            "anon-" + who, "POST", "/auth/token/", json={"username": who, "password": PASSWORD}
        )["token"]

    def page_form(self, who: str, path: str, data: dict, expect: int, allow_redirects=False):
        page = self.call(who, "GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.call(
            who,
            "POST",
            path,
            expect,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.dep.https + path},
            allow_redirects=allow_redirects,
        )


def served_by(dep: Deployment, request_ids: list[str]) -> dict[str, str]:
    """Which web process logged each request id (its access line)."""
    where = {}
    for process in ("web1", "web2"):
        for rid in re.findall(r"portal\.request \[([0-9a-f]{32})\]", dep.log(process)):
            where[rid] = process
    return {rid: where.get(rid, "?") for rid in request_ids}


def test_the_whole_journey_survives_killed_processes_on_two_web_processes(tmp_path):
    env = {
        "NOTIFICATION_CHANNELS": ",".join(f"{kind}=sms" for kind in SMS_KINDS),
        "SMS_BACKEND": "tests.system.backends.SlowFileSMSBackend",
        "SMS_DELAY_SECONDS": "1.5",
        "SMS_FILE_PATH": "{run_dir}/sms.jsonl",
        "NOTIFICATION_CLAIM_SECONDS": "6",
        "NOTIFICATION_REQUEUE_SECONDS": "2",
        "WORKER_HEARTBEAT_SECONDS": "2",
        "LOGIN_FAILURES_PER_USER": "3",
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
    }
    started = datetime.now(tz=UTC)
    with Deployment.up(name="journey", env=env, keep_dir=ARTIFACTS) as dep:
        sms_file = dep.run_dir / "sms.jsonl"
        dep.start_one("beat2")  # a second beat, started by mistake
        j = Journey(dep)
        health = j.call("monitor", "GET", "/healthz").json()
        assert health == {"status": "ok"}
        ready = dep.wait_ready()
        assert ready["checks"] == {"database": "ok", "cache": "ok", "migrations": "ok", "worker": "ok"}
        # HTTP is redirected to HTTPS by the same site file.
        plain = dep.session().get(dep.http + "/orders/?x=1", allow_redirects=False, timeout=10)
        assert plain.status_code == 301
        assert plain.headers["Location"] == dep.https + "/orders/?x=1"
        # Static files come from nginx, with a long cache.
        static = j.call("monitor", "GET", _a_static_file())
        assert "immutable" in static.headers.get("Cache-Control", "")

        # --- log-in limits and sessions across the two processes ------------------------------
        # LOGIN_FAILURES_PER_USER=3: the third failure locks, whichever process counted the others.
        wrong = {"username": "demo-admin", "password": "wrong"}  # an account the journey does not use
        for expect in (200, 200, 429, 429):
            j.page_form("attacker", "/accounts/login/", wrong, expect=expect)
        first_login_ids = j.request_ids[-8:]
        j.page_form("resident-browser", "/accounts/login/", {"username": "demo-resident", "password": PASSWORD}, 302)
        session_ids = [j.call("resident-browser", "GET", "/notifications/").headers["X-Request-ID"] for _ in range(4)]

        # --- the journey --------------------------------------------------------------------
        for who in ("demo-resident", "demo-staff", "demo-leader"):
            j.log_in_api(who)
        me = j.api("demo-resident", "GET", "/me/")
        leader = j.api("demo-leader", "GET", "/me/")
        item = j.api("demo-resident", "GET", "/menu-items/")["results"][0]
        order = j.api(
            "demo-resident", "POST", "/orders/", 201, json={"menu_item": item["id"], "description": "System test visit"}
        )
        assert order["status"] == "submitted"

        # Kill the worker that is sending an SMS (order_submitted to staff), then restart it.
        marker = wait_for("a worker sending an SMS", lambda: sorted(dep.run_dir.glob("sending-*")), seconds=30)[0]
        sending_pid = int(marker.name.split("-")[1])
        victim = next(w for w in ("worker1", "worker2") if os.getpgid(sending_pid) == dep.pid(w))
        killed_text = marker.read_text(encoding="utf-8")
        dep.kill(victim)
        marker.unlink()
        dep.start_one(victim)

        team_id = next(role["team"] for role in leader["roles"] if role["role"] == "team_leader")
        dispatch = j.call("demo-staff", "POST", f"/api/v1/orders/{order['id']}/dispatch/", json={"team": team_id})
        dispatch_rid = dispatch.headers["X-Request-ID"]
        assert dispatch.json()["status"] == "dispatched"
        accepted = j.api(
            "demo-leader", "POST", f"/orders/{order['id']}/accept/", json={"volunteers": [leader["volunteer"]]}
        )
        assert accepted["status"] == "accepted"

        # Kill one web process; nginx sends everything to the other.
        dep.kill("web2")
        completed = j.api(
            "demo-leader", "POST", f"/orders/{order['id']}/complete/", json={"summary": "Done", "hours": 1.5}
        )
        assert completed["status"] == "completed"
        rated = j.api("demo-resident", "POST", f"/orders/{order['id']}/rate/", json={"stars": 5, "comment": "好"})
        assert rated["status"] == "rated"
        dep.start_one("web2")

        account = j.api("demo-resident", "GET", "/points/account/")
        products = j.api("demo-resident", "GET", "/points/products/")["results"]
        product = min(
            (p for p in products if p["site"] == me["station"] and p["stock"] > 0),
            key=lambda p: p["price"],
            default=None,
        ) or min(products, key=lambda p: p["price"])
        assert account["balance"] >= product["price"]
        redemption = j.api(
            "demo-resident", "POST", "/points/redemptions/", 201, json={"product": product["id"], "quantity": 1}
        )
        fulfilled = j.api(
            "demo-staff",
            "POST",
            f"/points/redemptions/{redemption['id']}/fulfil/",
            json={"pickup_code": redemption["pickup_code"]},
        )
        assert fulfilled["status"] == "fulfilled"
        after = j.api("demo-resident", "GET", "/points/account/")
        assert after["balance"] == account["balance"] - redemption["points"]

        # --- every delivery sent, once ----------------------------------------------------------
        def settled():
            # The deliveries of this run (the seeded demo town has its own, sent at seeding).
            rows = dict(
                dep.sql(
                    "SELECT d.status, count(*) FROM practice_center_delivery d"
                    " JOIN practice_center_notification n ON n.id = d.notification_id"
                    " WHERE d.channel = 'sms' AND n.created_at >= %s GROUP BY d.status",
                    (started,),
                )
            )
            return rows if rows and set(rows) == {"sent"} else None

        statuses = wait_for("every delivery sent", settled, seconds=90, every=0.5)
        sent = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
        texts = [(m["phone"], m["text"]) for m in sent]
        assert len(texts) == statuses["sent"], "one SMS per delivery"
        assert len(set(texts)) == len(texts), f"an SMS went out twice: {collections.Counter(texts).most_common(2)}"
        assert any(killed_text == text for _, text in texts), "the SMS cut off by the kill was sent later"
        retried = dep.sql("SELECT count(*) FROM practice_center_delivery WHERE attempts >= 2")[0][0]
        assert retried >= 1
        duplicates = dep.sql(
            "SELECT recipient_id, kind, data->>'order', count(*) FROM practice_center_notification"
            " WHERE created_at >= %s GROUP BY 1, 2, 3 HAVING count(*) > 1",
            (started,),
        )
        assert duplicates == []
        kinds = {k for (k,) in dep.sql("SELECT DISTINCT kind FROM practice_center_notification")}
        assert set(SMS_KINDS) <= kinds

        # --- no action lost ----------------------------------------------------------------------
        detail = j.api("demo-resident", "GET", f"/orders/{order['id']}/")
        assert detail["status"] == "rated"
        assert [e["action"] for e in detail["events"]][-4:] == ["dispatch", "accept", "complete", "rate"] or {
            e["to_status"] for e in detail["events"]
        } >= {"dispatched", "accepted", "completed", "rated"}
        # Audit rows written during the run carry the id of the request (or task) that wrote them.
        # (On main at 4eff42e the order and points services write none yet: this holds for any there are.)
        audit = dep.sql("SELECT action, request_id FROM practice_center_auditevent WHERE at >= %s", (started,))
        assert all(rid for _, rid in audit), audit
        order_audit = [rid for action, rid in audit if action.startswith("order.")]
        assert all(rid in j.request_ids for rid in order_audit)

        # --- requests alternated between the processes; sessions and limits held across them ------
        where = served_by(dep, j.request_ids)
        both = collections.Counter(where.values())
        assert both["web1"] >= 5 and both["web2"] >= 5, both
        assert {where[rid] for rid in first_login_ids} == {"web1", "web2"}
        assert {where[rid] for rid in session_ids} == {"web1", "web2"}
        resident_id = me["id"]
        for rid in session_ids:
            line = next(line for p in ("web1", "web2") for line in dep.log(p).splitlines() if f"[{rid}]" in line)
            assert line.endswith(f"user={resident_id}"), line

        # --- the workers ran deliveries under the ids of the requests that caused them ------------------
        # (Which request's message a worker sends first depends on the queue and the minute's
        # re-queue job, which claims due deliveries too; every SMS line must carry some id, and
        # those sent straight from a request carry that request's id.)
        worker_logs = dep.log("worker1") + dep.log("worker2")
        sms_lines = [line for line in worker_logs.splitlines() if "SMS to 138****" in line]
        assert sms_lines and all(re.search(r"\[[0-9a-f-]{8,}\] SMS to", line) for line in sms_lines), sms_lines
        assert any(f"[{rid}] SMS to" in line for rid in [dispatch_rid, *j.request_ids] for line in sms_lines)

        # --- each beat job once per period, though two beats ran ------------------------------------
        time.sleep(5)  # a few more heartbeat periods with both beats up
        sends = collections.Counter()
        skipped = 0
        for beat in ("beat1", "beat2"):
            text = dep.log(beat)
            sends.update(re.findall(r"beat: sending (\S+) for period (\d+)", text))
            skipped += len(re.findall(r"already sent by another beat; skipped", text))
        assert sends, "the beats sent nothing"
        assert max(sends.values()) == 1, sends.most_common(3)
        assert skipped >= 1
        heartbeats = [p for (name, p) in sends if name == "health-worker-heartbeat"]
        assert len(heartbeats) >= 5

        # --- the ledger, the health checks, and no phone in any log ---------------------------------
        ledger = dep.manage("verify_points_ledger")
        assert ledger.returncode == 0, ledger.stderr
        assert "the ledger is intact" in ledger.stdout
        assert dep.wait_ready()["status"] == "ok"
        for path in dep.run_dir.glob("*.log"):
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [phone for phone in DEMO_PHONES if phone in text]
            assert not leaked, f"{path.name} holds phone numbers {leaked}"


def _a_static_file() -> str:
    static_root = Path(ROOT) / "staticfiles"
    css = next(static_root.glob("**/*.css"))
    return "/static/" + css.relative_to(static_root).as_posix()
