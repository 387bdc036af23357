"""What the log-in limiter costs per request, and what the join-code limit buys.

    .venv/bin/python bench/throttle_bench.py [redis://127.0.0.1:6379/15]

Times practice_center.throttle's calls as the log-in page makes them (a check before the form,
then a counted failure on two keys) on LocMem and, given a URL, on Redis (keys under a prefix of
their own, deleted at the end). Then the arithmetic of guessing a join code: the code space,
and the expected time to hit any household's code with and without the per-address limit.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
import django  # noqa: E402
from django.conf import settings  # noqa: E402

ROUNDS = 2000


def time_backend(label: str, cache_settings: dict) -> None:
    from django.core.cache import caches
    from django.test.utils import override_settings

    from practice_center import throttle

    with override_settings(CACHES={"default": cache_settings}):
        check, failure = [], []
        keys_made = []
        for n in range(ROUNDS):
            keys = throttle.login_keys(ip=f"10.{n % 250}.0.1", username=f"user{n}")
            keys_made += keys
            started = time.perf_counter()
            throttle.retry_after(keys)
            check.append(time.perf_counter() - started)
            started = time.perf_counter()
            throttle.record_failure(keys)
            failure.append(time.perf_counter() - started)
        caches["default"].delete_many([k.counter for k in keys_made] + [k.lock for k in keys_made])
    print(
        f"{label:8} check (every POST): median {statistics.median(check) * 1e6:7.0f} µs, "
        f"p99 {sorted(check)[int(ROUNDS * 0.99)] * 1e6:7.0f} µs | "
        f"failure (wrong password): median {statistics.median(failure) * 1e6:7.0f} µs, "
        f"p99 {sorted(failure)[int(ROUNDS * 0.99)] * 1e6:7.0f} µs  ({ROUNDS} rounds)"
    )


def join_code_arithmetic() -> None:
    from practice_center.models.organisation import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH

    space = len(JOIN_CODE_ALPHABET) ** JOIN_CODE_LENGTH
    per_hour = settings.PORTAL["JOIN_CODE_FAILURES_PER_IP"] * 60 / settings.PORTAL["JOIN_CODE_WINDOW_MINUTES"]
    print(f"join codes: {len(JOIN_CODE_ALPHABET)}^{JOIN_CODE_LENGTH} = {space:,} codes")
    for households in (1_000, 10_000):
        p = households / space
        limited_days = 1 / (p * per_hour * 24)
        unlimited_hours = 1 / (p * 50 * 3600)
        print(
            f"  {households:>6,} households: expected {limited_days:,.0f} days per address at "
            f"{per_hour:g} guesses/hour (limit) vs {unlimited_hours:,.1f} hours at 50 guesses/s (no limit)"
        )


def main() -> None:
    django.setup()
    time_backend("LocMem", {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})
    if len(sys.argv) > 1:
        time_backend(
            "Redis",
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": sys.argv[1],
                "KEY_PREFIX": f"throttle-bench-{uuid.uuid4().hex}",
            },
        )
    join_code_arithmetic()


if __name__ == "__main__":
    main()
