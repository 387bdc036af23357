"""Reads about volunteers that other code reuses."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def star_level_for(hours: Decimal | float | int) -> int:
    """0 to 5 stars from cumulative verified hours (thresholds in settings.PORTAL)."""
    thresholds = settings.PORTAL["STAR_THRESHOLDS"]
    return sum(1 for threshold in thresholds if Decimal(str(hours)) >= threshold)


def team_ids_led_by(user) -> list[int]:
    from volunteers.models import Team

    if not user.is_authenticated:
        return []
    return list(Team.objects.filter(leader__user=user, is_active=True).values_list("id", flat=True))
