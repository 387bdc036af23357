#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (MEDIA_ROOT as a tar), with their SHA-256 sums, into a new folder under DEST.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/srv/portal/media deploy/backup.sh /var/backups/portal
#
# Prints the folder it wrote. The dump is one consistent snapshot while the portal keeps running;
# the files are archived after it, so every file the dump refers to is in the archive (uploads
# are never changed in place). Restore with deploy/restore.sh. Copy the folder off the host.
set -euo pipefail
dest=${1:?usage: deploy/backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the database}"
: "${MEDIA_ROOT:?MEDIA_ROOT must name the uploads folder}"
out="$dest/portal-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$out/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -czf "$out/media.tar.gz" .
(cd "$out" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "$out"
