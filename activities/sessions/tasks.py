"""Celery tasks of scheduled activities: thin, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from activities.sessions import services


@shared_task(ignore_result=True)
def sessions_sweep() -> dict[str, int]:
    """Periodic (beat, every 5 minutes): reminders before the start, then finish what has ended."""
    return {"reminded": services.reminders_sweep(), "finished": services.finish_sweep()}
