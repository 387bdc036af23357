"""The menu and the order workflow leave audit rows: the workflow writes one per step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities import services
from activities.models import OrderEvent
from activities.order_workflow import ORDER_WORKFLOW
from practice_center.models import AuditEvent


def row(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_adding_a_menu_item_on_the_page_is_audited_with_the_request_id(client, town, law, login):
    login(town.staff_a)
    data = {"site": town.station_a.pk, "category": law.pk, "title": "普法讲座", "is_active": "on"}
    response = client.post(reverse("activities:menu_item_new"), data)
    event = row("menu_item.create")
    assert (event.actor, event.site) == (town.staff_a, town.station_a)
    assert event.changes["title"] == [None, "普法讲座"] and event.request_id == response["X-Request-ID"]


def test_editing_a_menu_item_is_audited_with_the_changed_fields_only(town, menu, law):
    item = menu["a"]
    services.menu_item_update(item=item, actor=town.staff_a, category=law, title="法律咨询", description="遗产、赡养")
    event = row("menu_item.update")
    assert event.object_id == str(item.pk) and event.actor == town.staff_a
    assert event.changes == {"title": ["法律咨询上门", "法律咨询"]}


def test_placing_an_order_is_audited(town, make_order):
    order = make_order()
    event = row("order.order")
    assert (event.actor, event.object_id, event.site) == (town.resident_a, str(order.pk), town.station_a)


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        ("dispatched", "dispatch", "staff_a"),
        ("accepted", "accept", "leader_a_user"),
        ("completed", "complete", "leader_a_user"),
        ("rated", "rate", "resident_a"),
        ("cancelled", "cancel", "resident_a"),
        ("rejected", "reject", "staff_a"),
    ],
)
def test_every_step_of_the_workflow_is_audited(town, make_order, status, action, actor):
    order = make_order(status)
    event = row(f"order.{action}")
    assert (event.actor, event.object_id, event.site) == (getattr(town, actor), str(order.pk), town.station_a)
    assert event.changes["status"][1] == status
    assert ORDER_WORKFLOW.transitions[event.changes["status"][0]][action] == status


def test_a_decline_keeps_the_team_name_in_the_event_and_the_audit_row(town, make_order):
    order = services.order_decline(order=make_order("dispatched"), reason="人手不足", actor=town.leader_a_user)
    event = OrderEvent.objects.filter(order=order, action="decline").get()
    assert event.data == {"declined_team": town.team_a.pk, "declined_team_name": town.team_a.name}
    audit = row("order.decline")
    assert audit.data["declined_team_name"] == town.team_a.name and audit.changes["team"] == [town.team_a.pk, None]


def test_a_step_through_the_api_carries_the_request_id(town, make_order, api):
    order = make_order()
    response = api(town.staff_a).post(f"/api/v1/orders/{order.pk}/dispatch/", {"team": town.team_a.pk}, format="json")
    assert response.status_code == 200
    assert row("order.dispatch").request_id == response["X-Request-ID"]
