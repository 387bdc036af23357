"""Fixtures of scheduled activities: a lecture at station A and a crowd of residents there."""

from __future__ import annotations

import pytest

from tests.activities.sessions.factories import ActivityFactory
from tests.factories import HouseholdFactory, UserFactory


@pytest.fixture
def lecture(town):
    """A published lecture at station A, residents only, 30 seats, a week from now."""
    return ActivityFactory(site=town.station_a, title="道德讲堂：家风家训", capacity=30)


@pytest.fixture
def residents_a(town):
    """`residents_a(n)` → n residents of station A (each in an own household)."""

    def make(n: int) -> list:
        return [UserFactory(household=HouseholdFactory(grid=town.grid_a)) for _ in range(n)]

    return make
