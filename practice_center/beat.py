"""A beat scheduler that sends each periodic job at most once per period, however many beats run.

Two `celery beat` processes started by mistake (a second host, a unit left enabled) would each
send every job. `LockedScheduler` takes a lock in the shared cache (Redis: `SET key NX EX`)
named after the job and its period before sending; the beat that loses the race skips the send
and logs it. The period of an interval job is its interval, counted from the epoch (job every
60 s → period = int(now // 60)); a crontab job's period is the minute it is due in.

If the cache itself is down the job is sent anyway: the broker is the same Redis and our
periodic tasks are safe to run twice, so failing open costs at most a duplicate run.
"""

from __future__ import annotations

import logging
import os
import time

from celery.beat import PersistentScheduler
from celery.schedules import schedule as interval_schedule

logger = logging.getLogger(__name__)

LOCK_PREFIX = "beat-lock"


def period_of(entry, now: float) -> tuple[int, int]:
    """(period length in seconds, index of the period `now` falls in) for a beat entry."""
    sched = entry.schedule
    if isinstance(sched, interval_schedule) and type(sched) is interval_schedule:
        seconds = max(1, int(sched.run_every.total_seconds()))
    else:
        seconds = 60  # crontab and solar schedules fire at most once a minute
    return seconds, int(now // seconds)


def claim(entry, now: float | None = None) -> bool:
    """Take the lock of `entry` for the current period; True if this beat should send it."""
    from django.core.cache import cache

    now = time.time() if now is None else now
    seconds, index = period_of(entry, now)
    key = f"{LOCK_PREFIX}:{entry.name}:{index}"
    error: Exception | str
    try:
        won = cache.add(key, os.getpid(), timeout=seconds * 2)
    except Exception as exc:
        won, error = None, exc
    else:
        error = "the cache ignored a connection error"
    if won is None:  # raised, or django-redis swallowed the error (IGNORE_EXCEPTIONS) and answered None
        logger.warning("beat: lock for %s unavailable (%s); sending anyway", entry.name, error)
        return True
    if won:
        logger.info("beat: sending %s for period %s", entry.name, index)
    else:
        logger.info("beat: %s for period %s already sent by another beat; skipped", entry.name, index)
    return bool(won)


class LockedScheduler(PersistentScheduler):
    """PersistentScheduler whose every entry goes through `claim` before it is sent."""

    def apply_entry(self, entry, producer=None):
        if claim(entry):
            return super().apply_entry(entry, producer=producer)
        return None
