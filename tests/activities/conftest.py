"""Fixtures of the order workflow: a menu at station A and orders in each state."""

from __future__ import annotations

import pytest

from activities import services
from activities.models import Category, MenuItem


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
    """`make_order(status)` → an order of resident_a at station A, walked to `status`."""

    def make(status: str = "submitted", *, resident=None):
        resident = resident or town.resident_a
        order = services.order_create(resident=resident, actor=resident, menu_item=menu["a"], description="帮忙写遗嘱")
        if status == "submitted":
            return order
        if status in ("cancelled",):
            return services.order_cancel(order=order, actor=resident, reason="不需要了")
        if status == "rejected":
            return services.order_reject(order=order, actor=town.staff_a, reason="超出服务范围")
        order = services.order_dispatch(order=order, team=town.team_a, actor=town.staff_a)
        if status == "dispatched":
            return order
        order = services.order_accept(order=order, volunteer_ids=[town.member_a.pk], actor=town.leader_a_user)
        if status == "accepted":
            return order
        order = services.order_complete(order=order, summary="已上门", hours="2", actor=town.leader_a_user)
        if status == "completed":
            return order
        return services.order_rate(order=order, stars=5, actor=resident, comment="很好")

    return make
