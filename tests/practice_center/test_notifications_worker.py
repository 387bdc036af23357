"""Notifications through a real Celery worker and Redis (PostgreSQL + Redis; skipped elsewhere).

The worker is a subprocess on the test database (transactional tests, so it sees committed
rows); SMS go to `FileSMSBackend`, a file both processes can read, so we count what was sent.
Every wait is bounded; the worker and any Redis we start are stopped in `finally`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from kombu import pools as kombu_pools

from practice_center import services
from practice_center.celery import app as celery_app
from practice_center.models import Delivery, DeliveryStatus, User
from practice_center.notifications import notify, requeue_undelivered
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WAIT_SECONDS = 60


def test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@contextmanager
def celery_worker(*, broker_url: str, sms_file: Path, name: str) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice_center.settings",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SMS_BACKEND": "practice_center.channels.FileSMSBackend",
        "SMS_FILE_PATH": str(sms_file),
        "DEBUG": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"{name}.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "practice_center",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            # Import this module in the worker too, so it knows the kind registered below.
            f"--include={__name__}",
            f"--hostname={name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        connection.close()  # drop our connection too, so the flush after the test never waits


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at `url` and publish for real (not eagerly)."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)

    def reset_pools():
        # Close and forget every pooled connection (kombu keeps a process-wide registry), so the
        # next publish connects to `url` afresh instead of reusing a closed or stale pool.
        kombu_pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved


def wait_until(predicate, *, timeout: float = WAIT_SECONDS, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up after {timeout}s waiting for {what}")


def sent_texts(sms_file: Path) -> list[str]:
    if not sms_file.exists():
        return []
    return [json.loads(line)["text"] for line in sms_file.read_text(encoding="utf-8").splitlines()]


def status_of(delivery: Delivery) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


@pytest.fixture
def sms_file(tmp_path) -> Path:
    return tmp_path / "sms.jsonl"


def notify_action(user: User, text: str) -> Delivery:
    """An action that notifies: switch on large text and tell the person by SMS, in one transaction."""
    with transaction.atomic():
        services.user_set_elderly_mode(user=user, enabled=True)
        notify(recipients=[user], kind="test_worker_sms", data={"text": text})
    return Delivery.objects.get(notification__recipient=user, notification__data__text=text)


def register_kind():
    from practice_center.notifications import register

    register("test_worker_sms", title="{text}", body="", channels=("sms",))


register_kind()


def test_a_real_worker_delivers_a_notification_after_the_commit(require_redis, sms_file):
    user = UserFactory(phone="13900000001")
    with broker(require_redis), celery_worker(broker_url=require_redis, sms_file=sms_file, name="notify-worker"):
        delivery = notify_action(user, "您的点单已派单")
        wait_until(lambda: status_of(delivery) == DeliveryStatus.SENT, what="the worker to send the SMS")
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert sent_texts(sms_file) == ["您的点单已派单"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("needs redis-server on PATH")
    server = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.RedisError:
                return False

        wait_until(answers, timeout=10, what=f"redis-server on port {port}")
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)


def test_redis_killed_mid_run_loses_nothing_and_sends_once(sms_file):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    user = UserFactory(phone="13900000002")
    with broker(url):
        with redis_server(port) as server:
            server.kill()  # the broker dies while the portal runs
            server.wait(timeout=10)
            started = time.monotonic()
            delivery = notify_action(user, "活动改期通知")
            elapsed = time.monotonic() - started
        # The action committed, did not hang, and its message waits in the outbox.
        assert elapsed < 3, f"the action waited {elapsed:.1f}s on the dead broker"
        user.refresh_from_db()
        assert user.elderly_mode is True
        assert (status_of(delivery), Delivery.objects.get(pk=delivery.pk).attempts) == (DeliveryStatus.PENDING, 0)

        with redis_server(port), celery_worker(broker_url=url, sms_file=sms_file, name="notify-worker-restarted"):
            assert requeue_undelivered() == 1
            wait_until(lambda: status_of(delivery) == DeliveryStatus.SENT, what="the requeued SMS")
            # A duplicate of the task (beat ran again, a retry raced) must be a no-op. The solo
            # worker takes tasks in order, so once a later message is sent the duplicate ran.
            assert requeue_undelivered() == 0
            from practice_center.tasks import deliver

            deliver.delay(delivery.pk)
            marker = notify_action(UserFactory(phone="13900000003"), "marker")
            wait_until(lambda: status_of(marker) == DeliveryStatus.SENT, what="the marker SMS")
    assert sent_texts(sms_file) == ["活动改期通知", "marker"]
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
