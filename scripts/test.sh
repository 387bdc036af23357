#!/bin/sh
# Set up and run the whole test suite. Needs only Python 3.11+; browser tests also need Debian's
# chromium and fonts-noto-cjk (skipped with a reason when absent, a failure when
# PORTAL_REQUIRE_SERVICES=1). DATABASE_URL / REDIS_URL choose PostgreSQL and Redis (as in CI);
# without them the suite runs on SQLite and skips what needs the services.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/points -x
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
WORKERS=${TEST_WORKERS:-$(.venv/bin/python -c "import os; print(min(4, os.cpu_count() or 1))")}
if [ "$WORKERS" -gt 1 ]; then
  set -- -n "$WORKERS" --dist loadfile "$@"
fi
exec .venv/bin/python -m pytest -q --durations=10 "$@"
