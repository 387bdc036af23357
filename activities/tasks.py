"""Celery tasks of the menu and orders: thin, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from activities import services


@shared_task(ignore_result=True)
def order_timeouts() -> dict[str, int]:
    """Periodic (beat, every 10 minutes): alert on orders not dispatched or not accepted in time."""
    return services.order_timeouts_sweep()


@shared_task(ignore_result=True)
def order_alert_dispatch_overdue(order_id: int) -> bool:
    return services.order_alert_dispatch_overdue(order_id=order_id)


@shared_task(ignore_result=True)
def order_alert_accept_overdue(order_id: int) -> bool:
    return services.order_alert_accept_overdue(order_id=order_id)
