#!/bin/sh
# Check the systemd units in deploy/systemd with `systemd-analyze verify`, without a running
# systemd (a container, CI): the units go into a scratch root holding the system's own units
# and a stand-in for each program they start, then every unit (one instance of each template)
# is verified. Any message at all is a failure: an unknown key is only a warning to systemd.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
if [ -d /usr/lib/systemd/system ]; then cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"; fi
cp "$here"/systemd/*.service "$here"/systemd/*.target "$here"/systemd/*.timer "$root/etc/systemd/system/"
# A stand-in for every absolute program path an Exec*= line names.
sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$here"/systemd/* | sort -u | while read -r program; do
  mkdir -p "$root$(dirname "$program")"
  printf '#!/bin/sh\n' > "$root$program"
  chmod +x "$root$program"
done
units=""
for path in "$here"/systemd/*; do
  name=$(basename "$path")
  case "$name" in
    *@.service) name="${name%@.service}@8001.service" ;;
  esac
  units="$units /etc/systemd/system/$name"
done
# shellcheck disable=SC2086
out=$(systemd-analyze verify --man=no --root="$root" $units 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "systemd units OK:$(for u in $units; do printf ' %s' "$(basename "$u")"; done)"
