"""Start, break and stop the production set (deploy/local-run.sh) for system tests and benchmarks.

    with Deployment.up(name="journey", env={...}) as dep:
        dep.session()               # requests.Session trusting the deployment's self-signed certificate
        dep.kill("worker1")         # SIGKILL a process group
        dep.start_one("worker1")
        dep.sql("SELECT ...")

A deployment gets its own Redis (a redis-server on a free port, so the test may kill or empty it
without touching the shared one), its own PostgreSQL database (copied from a seeded template when
SYSTEM_TEMPLATE_DB names one, else migrated and seeded with seed_demo) and its own run folder.
Everything it started is stopped when the `with` block ends, also on failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
LOCAL_RUN = ROOT / "deploy" / "local-run.sh"
ADMIN_URL = os.environ.get("SYSTEM_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_base() -> int:
    """A base such that base+1, +2, +80 and +443 are all free."""
    for _ in range(50):
        base = 20000 + (os.getpid() * 7 + int(time.time() * 1000)) % 20000
        ok = True
        for offset in (1, 2, 80, 443):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", base + offset))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
        time.sleep(0.01)
    raise RuntimeError("no free port range for the deployment")


def _db_url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


def _admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def development_ledger_key() -> str:
    """settings.LEDGER_HMAC_KEY as the development settings (no SECRET_KEY, DEBUG on) derive it."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "LEDGER_HMAC_KEY")}
    env["DJANGO_SETTINGS_MODULE"] = "practice_center.settings"
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "k = settings.LEDGER_HMAC_KEY; print(k.decode() if isinstance(k, bytes) else k)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, run_dir: Path, port: int | None = None) -> RedisServer:
        port = port or free_port()
        log = run_dir / f"redis-{port}.log"
        process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = cls(port=port, process=process, log=log)
        server.wait()
        return server

    def wait(self, seconds: float = 10) -> None:
        import redis

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on {self.port} did not start (see {self.log})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Deployment:
    name: str
    run_dir: Path
    port_base: int
    database: str
    redis: RedisServer
    env: dict[str, str]
    web_processes: int = 2
    _sessions: list[requests.Session] = field(default_factory=list)

    # --- where it answers --------------------------------------------------------------------
    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.port_base + 443}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port_base + 80}"

    @property
    def cert(self) -> Path:
        return self.run_dir / "nginx" / "cert.pem"

    @property
    def database_url(self) -> str:
        return _db_url(self.database)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace our certificate
        session.verify = str(self.cert)
        self._sessions.append(session)
        return session

    def log(self, process: str) -> str:
        path = self.run_dir / f"{process}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # --- processes -----------------------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["bash", str(LOCAL_RUN), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"local-run.sh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def pid(self, process: str) -> int | None:
        path = self.run_dir / f"{process}.pid"
        return int(path.read_text()) if path.exists() and path.read_text().strip() else None

    def kill(self, process: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the whole process group of `process` (its master and children)."""
        pid = self.pid(process)
        assert pid, f"{process} is not running"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def start_one(self, process: str) -> None:
        self._run("start-one", process)

    def wait_ready(self, seconds: float = 90) -> dict:
        session = self.session()
        deadline = time.monotonic() + seconds
        last = None
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                last = session.get(self.https + "/readyz", timeout=5)
                if last.status_code == 200:
                    return last.json()
            time.sleep(0.5)
        raise AssertionError(f"not ready: {last.text if last is not None else 'no answer'}")

    # --- the database ----------------------------------------------------------------------------
    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(self.database_url)
        try:
            with conn.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    # --- the whole life ------------------------------------------------------------------------
    @classmethod
    @contextlib.contextmanager
    def up(
        cls,
        *,
        name: str,
        env: dict[str, str] | None = None,
        web_processes: int = 2,
        redis_port: int | None = None,
        keep_dir: Path | None = None,
    ) -> Iterator[Deployment]:
        run_dir = Path(tempfile.mkdtemp(prefix=f"portal-{name}-"))
        redis = RedisServer.start(run_dir, port=redis_port)
        database = f"portal_system_{name}_{os.getpid()}"
        deployment = None
        try:
            template = os.environ.get("SYSTEM_TEMPLATE_DB", "")
            _admin_sql(f'DROP DATABASE IF EXISTS "{database}"')
            _admin_sql(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))
            full_env = {
                **os.environ,
                "DATABASE_URL": _db_url(database),
                "REDIS_URL": redis.url,
                "RUN_DIR": str(run_dir),
                "PORT_BASE": str(free_port_base()),
                "WEB_PROCESSES": str(web_processes),
                "VENV": str(Path(sys.executable).parent.parent),
                "FAST_PASSWORD_HASHER": "1",
                "SEED_DEMO": "0" if template else "1",
                "DJANGO_SETTINGS_MODULE": "practice_center.settings",
                **{key: value.format(run_dir=run_dir) for key, value in (env or {}).items()},
            }
            full_env.pop("PYTEST_CURRENT_TEST", None)
            if template and "LEDGER_HMAC_KEY" not in full_env:
                # The template's ledger was hashed with the key of the settings that seeded it (the
                # development default, derived from this checkout); the deployment's own random
                # SECRET_KEY would derive another one and every old entry would look changed.
                full_env["LEDGER_HMAC_KEY"] = development_ledger_key()
            deployment = cls(
                name=name,
                run_dir=run_dir,
                port_base=int(full_env["PORT_BASE"]),
                database=database,
                redis=redis,
                env=full_env,
                web_processes=web_processes,
            )
            deployment._run("start")
            yield deployment
        finally:
            if deployment is not None:
                for session in deployment._sessions:
                    session.close()
                with contextlib.suppress(Exception):
                    deployment._run("stop", timeout=120)
                # Anything local-run.sh could not stop (a pid file lost): end its group by id.
                for pidfile in run_dir.glob("*.pid"):
                    with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
                        os.killpg(int(pidfile.read_text()), signal.SIGKILL)
            (deployment.redis if deployment is not None else redis).stop()
            redis.stop()
            if keep_dir is not None:
                keep_dir.mkdir(parents=True, exist_ok=True)
                for path in run_dir.glob("*.log"):
                    shutil.copy(path, keep_dir / path.name)
            with contextlib.suppress(Exception):
                _admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(run_dir, ignore_errors=True)
