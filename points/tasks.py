"""Celery tasks of the points app: thin, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from points.checkpoints import checkpoint_take


@shared_task(ignore_result=True)
def ledger_checkpoint() -> str:
    """Periodic (beat, daily at 02:00 Asia/Shanghai): write the ledger checkpoint file and tell
    the center admins its digest. Returns the digest."""
    return checkpoint_take().digest
