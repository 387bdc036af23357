#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY database and an empty MEDIA_ROOT, then
# check the points ledger (verify_points_ledger: every hash chain and balance).
#
#   createdb portal_restored
#   DATABASE_URL=postgres://.../portal_restored MEDIA_ROOT=/srv/portal/media-restored \
#     deploy/restore.sh /var/backups/portal/portal-20260301T020000Z
#
# Refuses a backup whose checksums do not match, a database that has tables, and a MEDIA_ROOT
# that holds files: a restore never mixes with live data. PYTHON: the portal's interpreter
# (default .venv/bin/python). Afterwards run `manage.py migrate` if the code is newer than the backup.
# The ledger is checked with LEDGER_HMAC_KEY and against the newest checkpoint in
# LEDGER_CHECKPOINT_DIR (files kept outside the database): a checkpoint newer than the backup
# names entries the restored database lacks, and says so.
set -euo pipefail
src=${1:?usage: deploy/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the empty database to restore into}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the empty folder for the uploads}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

(cd "$src" && sha256sum --check --quiet SHA256SUMS) || { echo "restore: checksums do not match, refusing" >&2; exit 1; }
tables=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore: the database has $tables tables; restore only into an empty database" >&2
  exit 1
fi
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
  echo "restore: $MEDIA_ROOT is not empty; restore only into an empty folder" >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$src/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media.tar.gz"
cd "$ROOT"
"$PYTHON" manage.py verify_points_ledger
echo "restore: done from $src"
