"""Fixtures of the order workflow: a menu at station A and orders in each state."""

from __future__ import annotations

import pytest

from activities.models import Category, MenuItem
from tests.factories import OrderFactory


@pytest.fixture
def law(db):
    return Category.objects.get(code="law")


@pytest.fixture
def menu(town, law):
    """Items offered at station A, at the center (for everyone), and at station B."""
    return {
        "a": MenuItem.objects.create(site=town.station_a, category=law, title="法律咨询上门", description="遗产、赡养"),
        "center": MenuItem.objects.create(
            site=town.center, category=Category.objects.get(code="health"), title="义诊", description="量血压"
        ),
        "b": MenuItem.objects.create(site=town.station_b, category=law, title="和平村法律讲座"),
        "inactive": MenuItem.objects.create(site=town.station_a, category=law, title="停办的服务", is_active=False),
    }


@pytest.fixture
def make_order(town, menu):
    """`make_order(status)` → an order of resident_a at station A, walked to `status` through the
    services (OrderFactory): team_a serves it, staff_a dispatches, member_a is named on accepting."""

    def make(status: str = "submitted", *, resident=None):
        return OrderFactory(
            status=status,
            resident=resident or town.resident_a,
            menu_item=menu["a"],
            team=town.team_a,
            volunteers=[town.member_a],
            staff=town.staff_a,
        )

    return make
