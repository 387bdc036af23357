"""Backup and restore (deploy/backup.sh, deploy/restore.sh) on a small seeded database: the
restored copy has the same rows and files, and verify_points_ledger passes on it; a restore
refuses a database or folder that holds data, and a backup whose checksums do not match."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.system.deployment import ROOT, _admin_sql, _db_url

TABLES = ("practice_center_user", "points_entry", "points_account", "activities_order", "practice_center_site")


def _run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def _counts(url: str) -> dict[str, int]:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            counts = {}
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        conn.close()


@pytest.fixture
def databases():
    tag = os.getpid()
    names = [f"portal_system_backup_src_{tag}", f"portal_system_backup_dst_{tag}", f"portal_system_backup_busy_{tag}"]
    yield names
    for name in names:
        with contextlib.suppress(Exception):
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_with_its_files_and_an_intact_ledger(tmp_path, databases):
    source, target, busy = databases
    env = {**os.environ, "PYTHON": sys.executable, "FAST_PASSWORD_HASHER": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    template = os.environ.get("SYSTEM_TEMPLATE_DB", "")
    for name in databases:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    _admin_sql(f'CREATE DATABASE "{source}"' + (f' TEMPLATE "{template}"' if template else ""))
    if not template:
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env={**env, "DATABASE_URL": _db_url(source)},
                check=True,
                capture_output=True,
                timeout=900,
            )
    media = tmp_path / "media"
    (media / "points" / "evidence").mkdir(parents=True)
    photo = media / "points" / "evidence" / "photo.jpg"
    photo.write_bytes(os.urandom(4096))

    # A ledger checkpoint (points/checkpoints.py) taken before the backup, kept outside it.
    env["LEDGER_CHECKPOINT_DIR"] = str(tmp_path / "checkpoints")
    source_env = {**env, "DATABASE_URL": _db_url(source), "MEDIA_ROOT": str(media)}
    take = "from points.checkpoints import checkpoint_take; print(checkpoint_take(notify_admins=False).file_name)"
    taken = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", take], cwd=ROOT, env=source_env, capture_output=True, text=True
    )
    assert taken.returncode == 0, taken.stderr
    assert list((tmp_path / "checkpoints").glob("ledger-*.json"))
    made = _run("backup.sh", str(tmp_path / "backups"), env=source_env)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "database.dump", "media.tar.gz"]

    _admin_sql(f'CREATE DATABASE "{target}"')
    restored_media = tmp_path / "restored-media"
    restore_env = {**env, "DATABASE_URL": _db_url(target), "MEDIA_ROOT": str(restored_media)}
    restored = _run("restore.sh", str(folder), env=restore_env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "the ledger is intact" in restored.stdout
    counts = _counts(_db_url(target))
    assert counts == _counts(_db_url(source))
    assert counts["points_entry"] > 0 and counts["practice_center_user"] > 0
    copy = restored_media / "points" / "evidence" / "photo.jpg"
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(photo.read_bytes()).digest()

    # Again into the same (now full) database: refused, nothing touched.
    again = _run("restore.sh", str(folder), env={**restore_env, "MEDIA_ROOT": str(tmp_path / "empty")})
    assert again.returncode != 0
    assert "restore only into an empty database" in again.stderr
    # Into an empty database but a folder that holds files: refused.
    _admin_sql(f'CREATE DATABASE "{busy}"')
    busy_env = {**env, "DATABASE_URL": _db_url(busy), "MEDIA_ROOT": str(media)}
    refused = _run("restore.sh", str(folder), env=busy_env)
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    # A damaged backup: refused before anything is written.
    with (folder / "database.dump").open("ab") as dump:
        dump.write(b"x")
    damaged = _run("restore.sh", str(folder), env={**busy_env, "MEDIA_ROOT": str(tmp_path / "empty2")})
    assert damaged.returncode != 0
    assert "checksums do not match" in damaged.stderr
    assert _counts(_db_url(target)) == counts
