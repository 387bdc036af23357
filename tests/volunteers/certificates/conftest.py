"""Fixtures of the certificate tests: service records of member_a (station A) in 2026."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from volunteers.models import RecordStatus, ServiceRecord

# 2026-12-10 12:00 in Beijing: every date of the fixtures lies in the past.
NOW = datetime.datetime(2026, 12, 10, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield NOW


def add_record(
    volunteer,
    hours,
    served_on,
    *,
    status=RecordStatus.VERIFIED,
    by=None,
    description="",
    source="manual",
    source_id=None,
) -> ServiceRecord:
    """A service record as the services leave it (verified ones carry who and when)."""
    verified = status != RecordStatus.PENDING
    return ServiceRecord.objects.create(
        volunteer=volunteer,
        hours=Decimal(str(hours)),
        served_on=served_on,
        source=source,
        source_id=source_id,
        description=description,
        status=status,
        verified_by=by if verified else None,
        verified_at=timezone.now() if verified else None,
    )


@pytest.fixture
def hours_a(town, frozen):
    """member_a in 2026: verified 2 + 3.5 inside the first half, the edges included; pending 4
    and rejected 5 inside; verified 7 the day after and 11 the day before."""
    d = datetime.date
    v, staff = town.member_a, town.staff_a
    return {
        "first_day": add_record(v, 2, d(2026, 1, 1), by=staff, description="敬老院慰问"),
        "last_day": add_record(v, "3.5", d(2026, 6, 30), by=staff, description="义诊"),
        "pending": add_record(v, 4, d(2026, 3, 1), status=RecordStatus.PENDING),
        "rejected": add_record(v, 5, d(2026, 3, 2), status=RecordStatus.REJECTED, by=staff),
        "after": add_record(v, 7, d(2026, 7, 1), by=staff),
        "before": add_record(v, 11, d(2025, 12, 31), by=staff),
    }


H1_FROM = datetime.date(2026, 1, 1)
H1_TO = datetime.date(2026, 6, 30)
