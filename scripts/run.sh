#!/bin/sh
# Set up and run the portal on the embedded default: SQLite, Celery eager, demo data.
# Needs only Python 3.11+. Safe to run again: it reuses the virtual environment and database.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv ..."
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
echo
echo "The portal runs at  http://$HOST:$PORT/   (admin: http://$HOST:$PORT/admin/, API docs: http://$HOST:$PORT/api/docs/)"
echo "Log in as demo-resident, demo-staff, demo-leader, demo-volunteer, demo-grid or demo-admin, password ${DEMO_PASSWORD:-demo12345}."
echo "Press Ctrl+C to stop."
exec .venv/bin/python manage.py runserver "$HOST:$PORT"
