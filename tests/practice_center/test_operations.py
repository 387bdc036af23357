"""Operations: health checks, the request log line, phone masking, request ids in Celery tasks,
the beat lock and Sentry's set-up (issue 13)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from celery.beat import ScheduleEntry
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings

from practice_center import beat, health, observability
from practice_center.celery import app as celery_app
from practice_center.models import AuditEvent
from practice_center.request_context import current_request_id, reset_request_id, set_request_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.forget_migrations_check()
    yield
    health.forget_migrations_check()


# --- /healthz ------------------------------------------------------------------------------------
def test_healthz_answers_ok_without_a_query_a_session_or_a_cookie(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["portal.example.org"], DEBUG=False)
def test_health_checks_answer_a_load_balancer_polling_over_plain_http_by_address(client, db):
    health.heartbeat_write()
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8001").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8001").status_code == 200
    # Everything else still gets the host check and the HTTPS redirect.
    assert client.get("/", HTTP_HOST="portal.example.org").status_code == 301


def test_health_checks_are_never_throttled_nor_logged(client, db, caplog):
    health.heartbeat_write()
    with caplog.at_level(logging.INFO, logger="portal.request"):
        statuses = {client.get("/readyz").status_code for _ in range(40)}
    assert statuses == {200}
    assert not [r for r in caplog.records if r.name == "portal.request"]


def test_a_post_to_readyz_is_not_a_health_check(client, db):
    assert client.post("/readyz").status_code == 404


# --- /readyz -------------------------------------------------------------------------------------
def test_readyz_is_ok_when_database_cache_migrations_and_worker_are(client, db):
    health.heartbeat_write()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok", "worker": "ok"},
    }


def test_readyz_costs_one_query_per_poll_once_the_migration_check_is_remembered(client, db, django_assert_num_queries):
    health.heartbeat_write()
    assert client.get("/readyz").status_code == 200  # builds and remembers the migration check
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get("/readyz").status_code == 200


def test_readyz_fails_on_the_worker_without_a_heartbeat(client, db):
    cache.delete(health.HEARTBEAT_KEY)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no heartbeat"
    assert response.json()["checks"]["database"] == "ok"


@override_settings(PORTAL={**django_settings.PORTAL, "WORKER_HEARTBEAT_MAX_AGE_SECONDS": 120})
def test_readyz_fails_on_a_heartbeat_older_than_the_allowed_age(client, db, time_machine):
    time_machine.move_to("2026-03-01 10:00:00+08:00", tick=False)
    health.heartbeat_write()
    time_machine.shift(timedelta(seconds=119))
    assert client.get("/readyz").status_code == 200
    time_machine.shift(timedelta(seconds=2))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale (last heartbeat 121 s ago)"


def test_the_heartbeat_task_makes_the_worker_check_pass(client, db):
    from practice_center.tasks import heartbeat

    cache.delete(health.HEARTBEAT_KEY)
    heartbeat.apply()
    assert client.get("/readyz").json()["checks"]["worker"] == "ok"


def test_readyz_fails_on_the_database(client, db, monkeypatch):
    health.heartbeat_write()

    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Down())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert response.json()["checks"]["migrations"] == "unknown (database unavailable)"
    assert "refused" not in response.content.decode()  # details go to the log, not to the caller


def test_readyz_fails_on_the_cache(client, db, monkeypatch):
    def broken_get(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(health.cache, "get", broken_get)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"
    assert response.json()["checks"]["worker"] == "unknown (cache unavailable)"


def test_readyz_sees_a_redis_that_is_down_although_the_cache_ignores_connection_errors(client, db, settings):
    from practice_center.settings import redis_caches

    settings.CACHES = redis_caches("redis://127.0.0.1:9/0")  # nothing listens on port 9
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


def test_a_beat_sends_when_the_cache_swallowed_the_error(settings):
    from practice_center.settings import redis_caches

    settings.CACHES = redis_caches("redis://127.0.0.1:9/0")
    assert beat.claim(_entry(name="swallowed"), now=1.0)


def test_readyz_fails_on_unapplied_migrations(client, db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    health.heartbeat_write()
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m1", False), ("m2", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "2 unapplied"


def test_readyz_does_not_log_its_503_as_a_server_error(client, db, caplog):
    cache.delete(health.HEARTBEAT_KEY)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/readyz").status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]


# --- One log line per request --------------------------------------------------------------------
def _access_records(caplog):
    return [r for r in caplog.records if r.name == "portal.request"]


def test_each_request_logs_one_line_with_its_id_user_and_duration(town, api, caplog):
    client = api(town.resident_a)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get("/api/v1/me/?q=13812345678", HTTP_X_REQUEST_ID="req-abc.1")
    assert response.status_code == 200
    (record,) = _access_records(caplog)
    assert record.request_id == "req-abc.1" == response["X-Request-ID"]
    assert record.user_id == town.resident_a.pk
    assert record.status == 200
    assert record.duration_ms >= 0
    message = record.getMessage()
    assert message.startswith("GET /api/v1/me/ 200 ")
    assert message.endswith(f"ms user={town.resident_a.pk}")
    assert "13812345678" not in message  # the query string is never logged


def test_an_anonymous_request_logs_no_user_and_costs_no_session_query(client, db, caplog, django_assert_num_queries):
    with caplog.at_level(logging.INFO, logger="portal.request"), django_assert_num_queries(0):
        client.get("/static/missing.css")
    (record,) = _access_records(caplog)
    assert record.user_id is None
    assert record.getMessage().endswith("user=-")


def test_a_page_request_logs_the_user_who_was_logged_in(town, client, caplog, login):
    login(town.staff_a)
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.get("/")
    (record,) = _access_records(caplog)
    assert record.user_id == town.staff_a.pk


def _format(record: logging.LogRecord, fmt: str) -> str:
    config = observability.logging_config(fmt=fmt)
    for name in ("request_id", "mask_phones"):
        getattr(observability, config["filters"][name]["()"].rsplit(".", 1)[1])().filter(record)
    formatter_spec = config["formatters"]["portal"]
    if "()" in formatter_spec:
        formatter = observability.JSONFormatter()
    else:
        formatter = logging.Formatter(formatter_spec["format"])
    return formatter.format(record)


def _record(msg: str, *args, **extra) -> logging.LogRecord:
    record = logging.LogRecord("portal.request", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_json_log_lines_carry_the_request_fields():
    token = set_request_id("r-123")
    try:
        line = _format(
            _record("%s %s %s %.1fms user=%s", "GET", "/x/", 200, 1.25, 7, status=200, user_id=7, duration_ms=1.2),
            "json",
        )
    finally:
        reset_request_id(token)
    data = json.loads(line)
    assert data["request_id"] == "r-123"
    assert data["message"] == "GET /x/ 200 1.2ms user=7"
    assert data["status"] == 200 and data["user_id"] == 7 and data["duration_ms"] == 1.2
    assert data["level"] == "INFO" and data["logger"] == "portal.request"
    assert data["time"].endswith("+00:00")


def test_text_log_lines_carry_the_request_id():
    token = set_request_id("r-9")
    try:
        line = _format(_record("hello"), "text")
    finally:
        reset_request_id(token)
    assert line.endswith("INFO portal.request [r-9] hello")


def test_an_unknown_log_format_is_refused_at_start_up():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        observability.logging_config(fmt="xml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMS to 13812345678 sent", "SMS to 138****5678 sent"),
        ("phone=+8613812345678;", "phone=138****5678;"),
        ("86 13912345678", "139****5678"),
        ("two: 15011112222,18633334444", "two: 150****2222,186****4444"),
        ("order 1234567890123 is not a phone", "order 1234567890123 is not a phone"),
        ("landline 0571-88880000 stays", "landline 0571-88880000 stays"),
        ("12345678901 starts with 12", "12345678901 starts with 12"),
    ],
)
def test_phone_numbers_are_masked_in_any_log_text(text, expected):
    assert observability.mask_phones(text) == expected


def test_a_log_record_quoting_a_phone_is_masked_before_any_handler_writes_it():
    record = _record("resident %s called", "13800000005")
    assert "13800000005" not in _format(record, "json")
    assert json.loads(_format(_record("resident %s called", "13800000005"), "json"))["message"] == (
        "resident 138****0005 called"
    )
    assert "138****0005" in _format(_record("resident %s called", "13800000005"), "text")


def test_an_exception_text_in_a_json_line_is_masked():
    try:
        raise ValueError("no account for 13800000005")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert "13800000005" not in _format(record, "json")


# --- Request ids through Celery --------------------------------------------------------------------
@shared_task(name="tests.operations.audit_in_task")
def audit_in_task(user_id: int) -> str:
    from practice_center.audit import audit_record
    from practice_center.models import User

    user = User.objects.get(pk=user_id)
    audit_record(actor=None, action="user.touch", obj=user)
    return current_request_id()


def test_publishing_a_task_sends_the_request_id_in_its_headers():
    headers: dict = {}
    token = set_request_id("req-77")
    try:
        observability._send_request_id(headers=headers)
    finally:
        reset_request_id(token)
    assert headers == {observability.TASK_HEADER: "req-77"}
    empty: dict = {}
    observability._send_request_id(headers=empty)  # outside a request: nothing to send
    assert empty == {}


def test_a_task_runs_under_the_request_id_it_was_sent_with_and_its_audit_rows_carry_it(town):
    result = audit_in_task.apply((town.resident_a.pk,), headers={observability.TASK_HEADER: "req-from-web"})
    assert result.get() == "req-from-web"
    assert AuditEvent.objects.get(action="user.touch").request_id == "req-from-web"
    assert current_request_id() == ""  # unbound after the task


def test_a_task_without_a_request_id_runs_under_its_own_task_id(town):
    result = audit_in_task.apply((town.resident_a.pk,), task_id="0f0e0d0c-0b0a-0908-0706-050403020100")
    assert result.get() == "0f0e0d0c0b0a09080706050403020100"


# --- The beat lock -------------------------------------------------------------------------------
def _entry(name="job", schedule=60.0) -> ScheduleEntry:
    return ScheduleEntry(name=name, task="tests.noop", schedule=schedule, app=celery_app)


def test_an_interval_job_is_claimed_once_per_period():
    entry = _entry(schedule=60.0)
    assert beat.claim(entry, now=6000.5)  # the first beat
    assert not beat.claim(entry, now=6030.0)  # a second beat, same minute-long period
    assert beat.claim(entry, now=6060.0)  # the next period
    assert beat.claim(_entry(name="other"), now=6030.0)  # jobs do not share locks


def test_a_crontab_job_is_claimed_once_per_minute():
    entry = _entry(schedule=crontab(minute="*/5"))
    assert beat.period_of(entry, 600.0) == (60, 10)
    assert beat.claim(entry, now=600.0)
    assert not beat.claim(entry, now=601.0)


def test_a_beat_sends_anyway_when_the_lock_cannot_be_taken(monkeypatch):
    def broken_add(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "add", broken_add)
    assert beat.claim(_entry(), now=1.0)
    assert beat.claim(_entry(), now=2.0)


def test_two_beats_send_every_scheduled_job_once(tmp_path, monkeypatch):
    """Every entry of the real schedule, through two LockedSchedulers as two beats would."""
    assert celery_app.conf.beat_scheduler == "practice_center.beat.LockedScheduler"
    sent: list[str] = []
    monkeypatch.setattr(beat.time, "time", lambda: 1_800_000_000.0)  # both beats within one period of every job
    monkeypatch.setattr(beat.LockedScheduler, "apply_async", lambda self, entry, **kw: sent.append(entry.name))
    beats = [beat.LockedScheduler(app=celery_app, schedule_filename=str(tmp_path / f"beat-{i}")) for i in (1, 2)]
    try:
        for scheduler in beats:
            for entry in list(scheduler.schedule.values()):
                if entry.name in celery_app.conf.beat_schedule:
                    scheduler.apply_entry(entry, producer=None)
    finally:
        for scheduler in beats:
            scheduler.close()
    assert sorted(sent) == sorted(celery_app.conf.beat_schedule)


# --- Notification channels per deployment -----------------------------------------------------------
def test_a_deployment_can_send_a_kind_by_sms_too(settings):
    from practice_center.notifications import channels_of, registered

    kind = registered("order_dispatched")
    assert channels_of(kind) == kind.channels
    settings.NOTIFICATION_CHANNELS = {"order_dispatched": ["sms"]}
    assert channels_of(kind) == ("inbox", "sms")


# --- Sentry --------------------------------------------------------------------------------------
def test_sentry_is_started_with_django_and_celery_and_without_personal_data():
    script = (
        "import django, sentry_sdk; django.setup(); c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], sorted(c.integrations))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "practice_center.settings",
        "SENTRY_DSN": "https://public@127.0.0.1:9/1",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.startswith("True False")
    assert "'django'" in out and "'celery'" in out


def test_sentry_events_have_phones_masked():
    event = {
        "message": "13800000005",
        "logentry": {"message": "call %s", "formatted": "call 13800000005"},
        "exception": {"values": [{"value": "no user 13800000005"}]},
    }
    scrubbed = observability._scrub_event(event, {})
    assert "13800000005" not in json.dumps(scrubbed)
