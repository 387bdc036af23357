"""gunicorn settings for the portal's web processes (deploy/Procfile, deploy/systemd/portal-web@.service).

Each web process listens on 127.0.0.1:$PORT behind nginx (deploy/nginx/portal.conf). Requests
are logged by the portal itself (one line with request id, user id and duration), so gunicorn's
access log is off; its own messages go to stderr (journald or the process log).
"""

import os

port = os.environ.get("PORT", "8001")
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{port}"
# Synchronous workers: 2-4 per core. Each holds one PostgreSQL connection (CONN_MAX_AGE keeps it).
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
proc_name = f"portal-web-{port}"
# A request that takes longer than this is killed (the worker restarts); nginx waits 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The portal trusts X-Forwarded-Proto/-For from nginx through BEHIND_TLS_PROXY / TRUSTED_PROXY_COUNT.
forwarded_allow_ips = "127.0.0.1"
# gunicorn's control socket defaults to one path per user, which two web processes would share.
control_socket_disable = True
