"""Celery tasks of the monthly reports: thin, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from reports import figures, services


@shared_task(ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=60, max_retries=5)
def build_monthly_reports(month: str | None = None) -> dict[str, int]:
    """Beat, 01:00 on the 1st (Asia/Shanghai): build last month's report of every station and
    every site above it. `month` ("YYYY-MM") builds another month. Rebuilding refreshes drafts
    and returned reports only (reports.services.report_build)."""
    target = figures.parse_month(month) if month else figures.add_months(figures.this_month(timezone.now()), -1)
    if target is None:
        raise ValueError(f"month must be YYYY-MM, not {month!r}")
    return services.reports_build_month(month=target)
