"""Automatic awards from the order workflow (connected in PointsConfig.ready()).

The signals are sent inside the order's transaction; each award runs in its own savepoint and a
duplicate, a cap or a missing rule is skipped quietly, so points never block or undo an order.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import prefetch_related_objects

from points.models import SourceType
from points.services.awards import points_award_automatic

SERVICE_HOUR_RULE = "service_hour"
FIVE_STAR_RULE = "five_star_bonus"


def award_service_hours(sender, *, order, records, **kwargs) -> None:
    """Each serving volunteer's household earns the service-hour rule × the record's hours.
    Two volunteers of one household in one order: one award for their hours together."""
    hours_by_household: dict[int, Decimal] = defaultdict(Decimal)
    households = {}
    # One query per relation for all records together, not three queries per record.
    prefetch_related_objects(records, "volunteer__user__household")
    for record in records:
        household = record.volunteer.user.household
        if household is None:
            continue
        households[household.pk] = household
        hours_by_household[household.pk] += Decimal(record.hours)
    for household_id, hours in hours_by_household.items():
        if hours > 0:
            points_award_automatic(
                household=households[household_id],
                rule=SERVICE_HOUR_RULE,
                source_type=SourceType.ORDER,
                source_id=order.pk,
                quantity=hours,
                note=order.title or "",
            )


def award_five_star_bonus(sender, *, order, **kwargs) -> None:
    """A five-star rating earns the bonus for each serving volunteer's household (once per order)."""
    if order.stars != 5:
        return
    seen: set[int] = set()
    for volunteer in order.volunteers.select_related("user__household__grid__station"):
        household = volunteer.user.household
        if household is None or household.pk in seen:
            continue
        seen.add(household.pk)
        points_award_automatic(
            household=household, rule=FIVE_STAR_RULE, source_type=SourceType.ORDER, source_id=order.pk
        )
