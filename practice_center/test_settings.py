"""Settings for the test suite: the normal settings with fast hashing and eager Celery.

DATABASE_URL and REDIS_URL still choose PostgreSQL and Redis (as in CI); tests that need a
real Celery worker switch eagerness off themselves.
"""

import os

os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("THROTTLE_ANON", "100000/min")
os.environ.setdefault("THROTTLE_USER", "100000/min")
os.environ.setdefault("THROTTLE_LOGIN", "100000/min")

from practice_center.settings import *  # noqa: E402,F403

# Each test process keeps its own cache, so throttles and caches never leak between runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
