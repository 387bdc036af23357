"""How long queueing a notification's delivery blocks when the broker is down or hung.

    .venv/bin/python bench/notify_broker_down.py

Prints the seconds `practice_center.notifications.enqueue` takes (it runs in `on_commit`, so
inside the request) against: a port where nothing listens (connection refused) and a socket
that accepts but never answers (a hung or half-open Redis). The target is about 2 s at most;
the bound comes from CELERY_BROKER_TRANSPORT_OPTIONS socket timeouts and the publish retry
policy in practice_center.notifications.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import time, django
django.setup()
from practice_center import notifications
started = time.monotonic()
queued = notifications.enqueue(delivery_ids=[1, 2, 3])
print(f"{time.monotonic() - started:.2f}", queued)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(url: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "practice_center.settings",
        "REDIS_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "ERROR",
    }
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    seconds, queued = out.stdout.split()[-2:]
    return f"{seconds} s (queued {queued} of 3)"


def main() -> None:
    refused = free_port()
    print(f"broker refuses connections: {measure(f'redis://127.0.0.1:{refused}/0')}")
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)  # the kernel accepts connections; nobody ever answers
    print(f"broker accepts but never answers: {measure(f'redis://127.0.0.1:{hung.getsockname()[1]}/0')}")
    hung.close()


if __name__ == "__main__":
    main()
