"""`/healthz` and `/readyz` (shared/API.md, Operations): for load balancers and monitors.

Answered by `HealthCheckMiddleware`, first in the stack: no session, no log-in, no CSRF, no
throttle, no host check or HTTPS redirect (a load balancer polls a process by its address over
plain HTTP), and no access-log line (a poll every few seconds would drown the log).

- `/healthz`: 200 `{"status": "ok"}` while the process serves. No query.
- `/readyz`: 200 when every check passes, else 503; `{"status", "checks": {"database", "cache",
  "migrations", "worker"}}`, each "ok" or a short reason (details go to the log, not to the
  anonymous caller). One query (`SELECT 1`) per poll: the migration check is remembered per
  process for `READINESS_MIGRATIONS_CACHE_SECONDS`, the worker check reads the heartbeat that
  the `practice_center.tasks.heartbeat` beat job writes to the cache.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:worker-heartbeat"
PATHS = ("/healthz", "/healthz/", "/readyz", "/readyz/")


def _portal(name: str) -> int:
    return int(settings.PORTAL[name])


# --- The worker heartbeat ------------------------------------------------------------------------
def heartbeat_write(now: float | None = None) -> float:
    """Record that a worker ran a beat job just now (seconds since the epoch); returns it.
    Kept a few periods longer than the allowed age, so a stale one is seen as stale, not missing."""
    now = time.time() if now is None else now
    cache.set(HEARTBEAT_KEY, now, timeout=_portal("WORKER_HEARTBEAT_MAX_AGE_SECONDS") * 10)
    return now


# --- The checks ----------------------------------------------------------------------------------
def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("readiness: database check failed: %s", exc)
        return "unavailable"
    return "ok"


_migrations_lock = threading.Lock()
_migrations_result: tuple[float, str] | None = None


def check_migrations() -> str:
    """ "ok" when every migration on disk is applied to the database, else "N unapplied".
    Remembered per process for READINESS_MIGRATIONS_CACHE_SECONDS (building the migration
    graph takes tens of milliseconds and several queries)."""
    global _migrations_result
    ttl = _portal("READINESS_MIGRATIONS_CACHE_SECONDS")
    with _migrations_lock:
        if _migrations_result is not None and time.monotonic() - _migrations_result[0] < ttl:
            return _migrations_result[1]
    try:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        result = "ok" if not plan else f"{len(plan)} unapplied"
    except Exception as exc:
        logger.warning("readiness: migration check failed: %s", exc)
        return "unavailable"  # not remembered: the database may be back at the next poll
    with _migrations_lock:
        _migrations_result = (time.monotonic(), result)
    return result


def forget_migrations_check() -> None:
    """Drop the remembered migration check (tests)."""
    global _migrations_result
    with _migrations_lock:
        _migrations_result = None


def _ping_cache() -> None:
    """Raise if the cache server does not answer. django-redis is set to ignore connection errors
    (settings.redis_caches: the portal keeps serving while Redis is down), which would make a
    plain `cache.get` answer None, so its Redis client is pinged directly."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    if get_client is not None:
        get_client(write=False).ping()


def check_cache_and_worker(now: float | None = None) -> tuple[str, str]:
    """(cache, worker): one cache read of the heartbeat. The worker is "ok" when a worker wrote
    the heartbeat less than WORKER_HEARTBEAT_MAX_AGE_SECONDS ago."""
    try:
        _ping_cache()
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        logger.warning("readiness: cache check failed: %s", exc)
        return "unavailable", "unknown (cache unavailable)"
    if not isinstance(beat, int | float):
        return "ok", "no heartbeat"
    age = (time.time() if now is None else now) - beat
    if age > _portal("WORKER_HEARTBEAT_MAX_AGE_SECONDS"):
        return "ok", f"stale (last heartbeat {int(age)} s ago)"
    return "ok", "ok"


def readiness() -> dict:
    """{"status": "ok"|"failing", "checks": {...}} (see the module docstring)."""
    cache_state, worker_state = check_cache_and_worker()
    database_state = check_database()
    checks = {
        "database": database_state,
        "cache": cache_state,
        "migrations": check_migrations() if database_state == "ok" else "unknown (database unavailable)",
        "worker": worker_state,
    }
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "failing", "checks": checks}


# --- The views, answered before the rest of the stack ---------------------------------------------
def _json(data: dict, status: int) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    # A 503 is an answer here, not a server error to log each poll (Django's private flag).
    response._has_been_logged = True  # type: ignore[attr-defined]  # not in the stubs
    return response


def healthz(request) -> JsonResponse:
    return _json({"status": "ok"}, 200)


def readyz(request) -> JsonResponse:
    result = readiness()
    return _json(result, 200 if result["status"] == "ok" else 503)


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path in PATHS and request.method in ("GET", "HEAD"):
            return healthz(request) if path.startswith("/healthz") else readyz(request)
        return self.get_response(request)
