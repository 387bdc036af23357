"""System tests: the production set (deploy/local-run.sh) on this machine, driven through nginx.

They start processes, take minutes and need PostgreSQL, Redis, nginx and openssl, so they run
only when PORTAL_SYSTEM_TESTS=1 (their own step in .ci/run), never inside the parallel suite.
"""

from __future__ import annotations

import os

import pytest

SYSTEM = os.environ.get("PORTAL_SYSTEM_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if SYSTEM:
        return
    skip = pytest.mark.skip(reason="system test: set PORTAL_SYSTEM_TESTS=1 (its own step in .ci/run)")
    for item in items:
        if "tests/system/" in str(item.fspath):
            item.add_marker(skip)
