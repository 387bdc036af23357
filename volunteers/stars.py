"""Star levels from verified hours (read by the model, pages and API alike)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def star_level_for(hours: Decimal | float | int) -> int:
    """0 to 5 stars from cumulative verified hours (thresholds in settings.PORTAL["STAR_THRESHOLDS"],
    hours at or above a threshold earn its star)."""
    thresholds = settings.PORTAL["STAR_THRESHOLDS"]
    return sum(1 for threshold in thresholds if Decimal(str(hours)) >= threshold)
