#!/bin/sh
# Print the nginx site (deploy/nginx/portal.conf) with its ${PORTAL_*} values filled in.
# Production defaults below; override any of them in the environment, e.g.
#   PORTAL_SERVER_NAME=portal.town.gov.cn PORTAL_PUBLIC_ORIGIN=https://portal.town.gov.cn \
#   deploy/nginx/render.sh > /etc/nginx/sites-available/portal.conf
# PORTAL_WEB_PORTS: the ports of the web processes (deploy/systemd/portal-web@PORT.service).
set -eu
here=$(dirname "$0")
: "${PORTAL_SERVER_NAME:=portal.example.org}"
: "${PORTAL_PUBLIC_ORIGIN:=https://$PORTAL_SERVER_NAME}"
: "${PORTAL_HTTP_LISTEN:=80}"
: "${PORTAL_HTTPS_LISTEN:=443}"
: "${PORTAL_TLS_CERT:=/etc/ssl/portal/fullchain.pem}"
: "${PORTAL_TLS_KEY:=/etc/ssl/portal/privkey.pem}"
: "${PORTAL_STATIC_ROOT:=/srv/portal/app/staticfiles}"
: "${PORTAL_LOG_DIR:=/var/log/nginx}"
: "${PORTAL_WEB_HOST:=127.0.0.1}"
: "${PORTAL_WEB_PORTS:=8001 8002}"
PORTAL_UPSTREAMS=""
for port in $PORTAL_WEB_PORTS; do
  PORTAL_UPSTREAMS="${PORTAL_UPSTREAMS}    server $PORTAL_WEB_HOST:$port max_fails=1 fail_timeout=10s;
"
done
export PORTAL_SERVER_NAME PORTAL_PUBLIC_ORIGIN PORTAL_HTTP_LISTEN PORTAL_HTTPS_LISTEN PORTAL_TLS_CERT \
  PORTAL_TLS_KEY PORTAL_STATIC_ROOT PORTAL_LOG_DIR PORTAL_UPSTREAMS
# Only our variables: nginx's own $variables pass through untouched.
envsubst '${PORTAL_SERVER_NAME} ${PORTAL_PUBLIC_ORIGIN} ${PORTAL_HTTP_LISTEN} ${PORTAL_HTTPS_LISTEN} ${PORTAL_TLS_CERT} ${PORTAL_TLS_KEY} ${PORTAL_STATIC_ROOT} ${PORTAL_LOG_DIR} ${PORTAL_UPSTREAMS}' \
  < "$here/portal.conf"
