"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "CELERY_TASK_ALWAYS_EAGER"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import practice_center.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], "
            "s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_variables_the_portal_runs_the_embedded_default():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    result = load_settings(DATABASE_URL="postgres://u@db:5432/portal", REDIS_URL="redis://cache:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.postgresql",
        "False",
        "django_redis.cache.RedisCache",
    ]


def test_production_without_a_secret_key_refuses_to_start():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = load_settings(DEBUG="perhaps")
    assert result.returncode != 0


def test_star_thresholds_must_increase():
    result = load_settings(STAR_THRESHOLDS="300,100,600,1000,1500")
    assert result.returncode != 0
    assert "STAR_THRESHOLDS" in result.stderr
