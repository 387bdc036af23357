"""`actions_for(user, order)` is exactly what the services allow: for every persona and every
status, a step is offered if and only if its service goes through. The order page shows those
buttons and no others (the rate button closes with the rating window)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Order, OrderKind
from activities.order_workflow import ORDER_WORKFLOW
from activities.permissions import actions_for, may_claim_wish, may_rate

PERSONAS = [
    "resident_a",
    "resident_b",
    "grid_worker_a",
    "staff_a",
    "staff_b",
    "institute_staff",
    "leader_a_user",
    "leader_b_user",
    "admin",
]
STATUSES = ["submitted", "dispatched", "accepted", "completed", "rated", "cancelled", "rejected"]


class _Undo(Exception):
    pass


def _goes_through(town, order: Order, action: str, user) -> bool:
    """Run the step's service and undo it; True if it went through."""
    calls = {
        "dispatch": lambda: services.order_dispatch(order=order, team=town.team_a, actor=user),
        "accept": lambda: services.order_accept(order=order, volunteer_ids=[town.member_a.pk], actor=user),
        "decline": lambda: services.order_decline(order=order, reason="忙", actor=user),
        "complete": lambda: services.order_complete(order=order, summary="已完成", hours="1", actor=user),
        "rate": lambda: services.order_rate(order=order, stars=4, actor=user),
        "cancel": lambda: services.order_cancel(order=order, actor=user),
        "reject": lambda: services.order_reject(order=order, reason="不符合", actor=user),
        "claim": lambda: services.wish_claim(order=order, team=town.team_a, actor=user),
    }
    try:
        with transaction.atomic():
            calls[action]()
            raise _Undo
    except _Undo:
        return True
    except Exception:  # any refusal (403, 409, 400) means "not offered"
        return False


@pytest.mark.parametrize("status", STATUSES)
def test_the_offered_steps_are_exactly_those_the_services_allow(town, make_order, status):
    order = make_order(status)
    for persona in PERSONAS:
        user = getattr(town, persona)
        offered = actions_for(user, Order.objects.get(pk=order.pk))
        allowed = {
            action
            for action in ORDER_WORKFLOW.actions_from(order.status)
            if _goes_through(town, Order.objects.get(pk=order.pk), action, user)
        }
        assert (persona, offered) == (persona, allowed)


def test_a_public_wish_offers_the_claim_to_a_serving_leader_only(town):
    wish = services.wish_create(resident=town.resident_a, actor=town.resident_a, title="修收音机")
    assert wish.kind == OrderKind.WISH
    assert "claim" in actions_for(town.leader_a_user, wish) and may_claim_wish(town.leader_a_user, wish, town.team_a)
    assert "claim" not in actions_for(town.leader_b_user, wish) and "claim" not in actions_for(town.staff_a, wish)
    assert _goes_through(town, wish, "claim", town.leader_a_user)


def test_the_rate_button_closes_with_the_rating_window(client, town, make_order, login):
    order = make_order("completed")
    login(town.resident_a)
    assert (
        "'rate'" not in ""
        and "/rate/" in client.get(reverse("activities:order_detail", args=[order.pk])).content.decode()
    )
    later = timezone.now() + datetime.timedelta(days=15)
    with time_machine.travel(later):
        assert not may_rate(town.resident_a, order)
        page = client.get(reverse("activities:order_detail", args=[order.pk]))
        assert "rate" not in page.context["actions"] and "/rate/" not in page.content.decode()
