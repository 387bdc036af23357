"""The Celery app. Reads `CELERY_*` settings, autodiscovers each app's `tasks.py`.

The beat schedule lives here and only here, so every periodic job is visible in one place.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")

app = Celery("practice_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every beat job goes through a lock in Redis, so two beats started by mistake send it once per period.
app.conf.beat_scheduler = "practice_center.beat.LockedScheduler"


def _seconds(name: str, default: float) -> float:
    """An interval from the environment (the system test shortens them), else the default."""
    return float(os.environ.get(name) or default)


app.conf.beat_schedule = {
    # Each entry: a thin task that calls a service; all are safe to run twice.
    # Notifications: queue every outbox delivery that is due (broker was down, a worker died).
    "notifications-requeue-undelivered": {
        "task": "practice_center.tasks.requeue_undelivered",
        "schedule": _seconds("NOTIFICATION_REQUEUE_SECONDS", 60.0),
    },
    # Health: a worker writes a timestamp that /readyz reads (practice_center/health.py).
    "health-worker-heartbeat": {
        "task": "practice_center.tasks.heartbeat",
        "schedule": _seconds("WORKER_HEARTBEAT_SECONDS", 30.0),
        "options": {"expires": _seconds("WORKER_HEARTBEAT_SECONDS", 30.0)},
    },
    # Orders: alert staff above / the team leader on orders not dispatched or accepted in time (once each).
    "orders-timeouts": {"task": "activities.tasks.order_timeouts", "schedule": 600.0},
    # Activities: remind the enrolled before the start (once each); finish what has ended.
    "activities-sessions-sweep": {"task": "activities.sessions.tasks.sessions_sweep", "schedule": 300.0},
    # API Idempotency-Key records older than a day.
    "idempotency-keys-purge": {"task": "practice_center.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # Points: the daily ledger checkpoint, kept outside the database (points/checkpoints.py).
    "points-ledger-checkpoint": {"task": "points.tasks.ledger_checkpoint", "schedule": crontab(hour=2, minute=0)},
    # API tokens past their expiry.
    "tokens-purge-expired": {"task": "practice_center.tasks.purge_expired_tokens", "schedule": 3600.0},
    # Reports: at 01:00 on the 1st (Asia/Shanghai, CELERY_TIMEZONE) build last month's reports.
    "reports-monthly": {
        "task": "reports.tasks.build_monthly_reports",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
}
# Referenced by entries added by the apps; kept imported so the schedule reads plainly.
_ = crontab
