#!/usr/bin/env bash
# Run the production set on this machine against a real PostgreSQL and Redis:
# nginx (deploy/nginx/portal.conf, a self-signed certificate) in front of two gunicorn web
# processes, two Celery workers and one beat, each command taken from deploy/Procfile.
#
#   DATABASE_URL=postgres://... REDIS_URL=redis://... deploy/local-run.sh start   # start, wait until ready
#   deploy/local-run.sh stop                 # stop everything it started
#   deploy/local-run.sh run                  # start, then stay in the foreground; Ctrl-C stops all
#   deploy/local-run.sh start-one worker1    # (re)start one process: web1 web2 worker1 worker2 beat1 beat2 nginx
#   deploy/local-run.sh status
#
# Environment: DATABASE_URL, REDIS_URL (required); RUN_DIR (default .run/local: pids, logs,
# certificate, nginx files); PORT_BASE (default 18000: web on +1 and +2, HTTPS on +443, HTTP on
# +80); WEB_PROCESSES (1 or 2, default 2); WEB_CONCURRENCY (gunicorn workers per web process,
# default 2); WORKER_CONCURRENCY (default 1); VENV (default ./.venv); SEED_DEMO=1 loads the demo
# town. Every other variable (NOTIFICATION_CHANNELS, SMS_BACKEND, ...) reaches the processes.
# The portal then answers at https://127.0.0.1:$((PORT_BASE+443))/ (curl -k: self-signed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUN_DIR=$(mkdir -p "${RUN_DIR:-$ROOT/.run/local}" && cd "${RUN_DIR:-$ROOT/.run/local}" && pwd)
PORT_BASE=${PORT_BASE:-18000}
VENV=${VENV:-$ROOT/.venv}
WEB_PROCESSES=${WEB_PROCESSES:-2}
HTTPS_PORT=$((PORT_BASE + 443))
HTTP_PORT=$((PORT_BASE + 80))
export PATH="$VENV/bin:$PATH"

# Production settings, as deploy/portal.env.example has them (local values where they must differ).
export DEBUG=false
export ALLOWED_HOSTS=127.0.0.1,localhost
export BEHIND_TLS_PROXY=true TRUSTED_PROXY_COUNT=1
export SECURE_HSTS_SECONDS=0 # never pin HSTS on 127.0.0.1 in a browser
export MEDIA_ROOT=${MEDIA_ROOT:-$RUN_DIR/media}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-1}
export PYTHONUNBUFFERED=1 CELERY_TASK_ALWAYS_EAGER=0
if [ ! -s "$RUN_DIR/secret" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '/+=\n' > "$RUN_DIR/secret" && openssl rand -hex 16 >> "$RUN_DIR/secret")
fi
SECRET_KEY=$(tr -d '\n' < "$RUN_DIR/secret")
export SECRET_KEY

log() { printf '[local-run] %s\n' "$*" >&2; }

procfile_command() {
  sed -n "s/^$1: //p" deploy/Procfile
}

process_env() {
  case "$1" in
    web1) echo "PORT=$((PORT_BASE + 1))" ;;
    web2) echo "PORT=$((PORT_BASE + 2))" ;;
    worker*) echo "INSTANCE=${1#worker}" ;;
    beat*) echo "BEAT_SCHEDULE_FILE=$RUN_DIR/$1-schedule" ;;
    *) echo "" ;;
  esac
}

command_of() {
  case "$1" in
    web*) procfile_command web ;;
    worker*) procfile_command worker ;;
    beat*) procfile_command beat ;;
    nginx) echo "nginx -c $RUN_DIR/nginx/nginx.conf -g 'daemon off;'" ;;
    *) log "unknown process $1" && return 1 ;;
  esac
}

running() {
  local pidfile="$RUN_DIR/$1.pid"
  [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

stop_one() {
  local name=$1 pidfile="$RUN_DIR/$1.pid" pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  # Each process leads its own process group (setsid): stop the group, so no child is left.
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "stopped $name"
}

start_one() {
  local name=$1 cmd extra
  running "$name" && stop_one "$name"
  cmd=$(command_of "$name")
  extra=$(process_env "$name")
  # setsid: the process leads a new process group, which stop_one (and a test) can end whole.
  # shellcheck disable=SC2086
  env $extra setsid bash -c "exec $cmd" >> "$RUN_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/$name.pid"
  log "started $name (pid $!): $cmd"
}

prepare() {
  : "${DATABASE_URL:?DATABASE_URL must point at PostgreSQL}"
  : "${REDIS_URL:?REDIS_URL must point at Redis}"
  mkdir -p "$MEDIA_ROOT" "$RUN_DIR/nginx/tmp"
  # The release step of the Procfile: migrations, static files. collectstatic compresses every
  # file again (minutes on a busy machine), so when no static source changed since the last run
  # only the migrations are applied.
  local release
  release=$(procfile_command release)
  if [ -s staticfiles/staticfiles.json ] && [ -z "$(find static -newer staticfiles/staticfiles.json | head -n 1)" ]; then
    release="python manage.py migrate --noinput"
  fi
  bash -c "$release" > "$RUN_DIR/release.log" 2>&1 || { cat "$RUN_DIR/release.log"; exit 1; }
  if [ "${SEED_DEMO:-0}" = 1 ]; then
    python manage.py seed_demo >> "$RUN_DIR/release.log" 2>&1
  fi
  if [ ! -s "$RUN_DIR/nginx/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$RUN_DIR/nginx/key.pem" -out "$RUN_DIR/nginx/cert.pem" 2> /dev/null
  fi
  local ports="$((PORT_BASE + 1))"
  [ "$WEB_PROCESSES" -ge 2 ] && ports="$ports $((PORT_BASE + 2))"
  # The production site file, with local values.
  PORTAL_SERVER_NAME="127.0.0.1 localhost" PORTAL_PUBLIC_ORIGIN="https://127.0.0.1:$HTTPS_PORT" \
    PORTAL_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" PORTAL_HTTPS_LISTEN="127.0.0.1:$HTTPS_PORT" \
    PORTAL_TLS_CERT="$RUN_DIR/nginx/cert.pem" PORTAL_TLS_KEY="$RUN_DIR/nginx/key.pem" \
    PORTAL_STATIC_ROOT="$ROOT/staticfiles" PORTAL_LOG_DIR="$RUN_DIR" PORTAL_WEB_PORTS="$ports" \
    deploy/nginx/render.sh > "$RUN_DIR/nginx/portal.conf"
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"
  cat > "$RUN_DIR/nginx/nginx.conf" << EOF
$user_line
worker_processes 1;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $RUN_DIR/nginx/tmp/body;
    proxy_temp_path $RUN_DIR/nginx/tmp/proxy;
    fastcgi_temp_path $RUN_DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $RUN_DIR/nginx/tmp/uwsgi;
    scgi_temp_path $RUN_DIR/nginx/tmp/scgi;
    include $RUN_DIR/nginx/portal.conf;
}
EOF
  nginx -t -q -c "$RUN_DIR/nginx/nginx.conf"
}

wait_ready() {
  local url="https://127.0.0.1:$HTTPS_PORT/readyz" deadline=$((SECONDS + ${READY_TIMEOUT:-90}))
  while [ $SECONDS -lt $deadline ]; do
    if curl -skf -o /dev/null "$url"; then
      log "ready: https://127.0.0.1:$HTTPS_PORT/"
      return 0
    fi
    sleep 0.5
  done
  log "not ready after ${READY_TIMEOUT:-90} s: $(curl -sk "$url" || true)"
  return 1
}

all_processes() {
  local names="web1"
  [ "$WEB_PROCESSES" -ge 2 ] && names="$names web2"
  echo "$names worker1 worker2 beat1 nginx"
}

case "${1:-}" in
  start)
    prepare
    for name in $(all_processes); do start_one "$name"; done
    wait_ready
    ;;
  run)
    prepare
    trap '"$0" stop; exit 0' INT TERM
    for name in $(all_processes); do start_one "$name"; done
    wait_ready
    log "Ctrl-C stops everything; logs in $RUN_DIR"
    while true; do sleep 1; done
    ;;
  start-one)
    start_one "${2:?which process}"
    ;;
  stop-one)
    stop_one "${2:?which process}"
    ;;
  stop)
    for pidfile in "$RUN_DIR"/*.pid; do
      [ -e "$pidfile" ] && stop_one "$(basename "$pidfile" .pid)"
    done
    ;;
  status)
    for pidfile in "$RUN_DIR"/*.pid; do
      [ -e "$pidfile" ] || continue
      name=$(basename "$pidfile" .pid)
      if running "$name"; then echo "$name running (pid $(cat "$pidfile"))"; else echo "$name dead"; fi
    done
    ;;
  *)
    sed -n '2,19p' "$0"
    exit 2
    ;;
esac
