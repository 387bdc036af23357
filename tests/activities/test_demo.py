"""The demo town's menu and orders: every state the demo accounts need, and a rerun adds nothing."""

import pytest
from django.core.management import call_command

from activities.models import MenuItem, Order
from practice_center.models import Site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


def test_the_demo_has_a_menu_everywhere_and_orders_for_each_demo_account():
    for station in Site.objects.filter(level="station"):
        assert MenuItem.objects.offered_at(station).filter(site=station).exists()
    assert MenuItem.objects.filter(site__level="center").exists()
    mine = set(Order.objects.filter(resident__username="demo-resident").values_list("status", flat=True))
    assert mine == {"dispatched", "accepted", "completed", "rated"}
    assert Order.objects.filter(status="submitted", site__name__startswith="幸福村").count() >= 3
    assert Order.objects.filter(status="dispatched", team__leader__user__username="demo-leader").exists()
    assert Order.objects.filter(placed_by__username="demo-grid").exists()
    assert Order.objects.filter(kind="wish", is_public=True).exists()


def test_seeding_twice_adds_no_order_or_event():
    # demo_town ran seed_demo once; this is the second run.
    counts = (MenuItem.objects.count(), Order.objects.count(), Order.objects.filter(events__isnull=False).count())
    call_command("seed_demo", verbosity=0)
    assert (
        MenuItem.objects.count(),
        Order.objects.count(),
        Order.objects.filter(events__isnull=False).count(),
    ) == counts
