"""The one workflow helper (practice_center.workflow), exercised on an order and its events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from activities.models import Order, OrderEvent
from practice_center.exceptions import InvalidTransition, NotAllowed
from practice_center.models import AuditEvent
from practice_center.request_context import reset_request_id, set_request_id
from practice_center.workflow import Workflow

FLOW = Workflow(
    Order,
    {"submitted": {"dispatch": "dispatched", "cancel": "cancelled"}, "dispatched": {"cancel": "cancelled"}},
    audit_name="order",
    event_model=OrderEvent,
    event_fk="order",
)


def test_the_map_answers_what_is_allowed_and_what_is_refused():
    assert FLOW.actions_from("submitted") == {"dispatch", "cancel"}
    assert FLOW.actions_from("cancelled") == set()
    assert FLOW.next_status("dispatched", "cancel") == "cancelled"
    assert FLOW.statuses_refusing("dispatch") == ["cancelled", "dispatched"]
    with pytest.raises(InvalidTransition):
        FLOW.next_status("cancelled", "dispatch")


@pytest.mark.django_db
def test_a_move_saves_the_status_writes_the_event_with_its_data_and_one_audit_row(make_order, town):
    order = make_order("submitted")
    token = set_request_id("req-42")
    try:
        with transaction.atomic():
            moved = FLOW.move(
                order,
                action="cancel",
                actor=town.staff_a,
                change=lambda o: (setattr(o, "reason", "重复下单"), ["reason"])[1],
                note="重复下单",
                data={"team": "文艺队"},
            )
    finally:
        reset_request_id(token)
    assert moved.status == "cancelled"
    assert Order.objects.get(pk=order.pk).reason == "重复下单"
    event = OrderEvent.objects.filter(order=order).latest("id")
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "cancel",
        "submitted",
        "cancelled",
        town.staff_a.pk,
    )
    assert event.data == {"team": "文艺队"}
    row = AuditEvent.objects.get(action="order.cancel", object_id=str(order.pk))
    assert row.actor_id == town.staff_a.pk
    assert row.object_type == "activities.order"
    assert row.site_id == order.site_id
    assert row.changes == {"status": ["submitted", "cancelled"], "reason": ["", "重复下单"]}
    assert row.data == {"note": "重复下单", "team": "文艺队"}
    assert row.request_id == "req-42"


@pytest.mark.django_db
def test_a_refused_move_changes_nothing_and_writes_no_rows(make_order, town):
    order = make_order("cancelled")
    events = OrderEvent.objects.count()
    with pytest.raises(InvalidTransition), transaction.atomic():
        FLOW.move(order, action="dispatch", actor=town.staff_a)
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert OrderEvent.objects.count() == events
    assert not AuditEvent.objects.filter(action="order.dispatch", object_id=str(order.pk)).exists()


@pytest.mark.django_db
def test_a_failing_check_rolls_back_everything(make_order, town):
    order = make_order("submitted")

    def forbid(_o):
        raise NotAllowed()

    def bad_input(_o):
        raise ValidationError({"reason": "say why"})

    for check, error in ((forbid, NotAllowed), (bad_input, ValidationError)):
        with pytest.raises(error), transaction.atomic():
            FLOW.move(order, action="cancel", actor=town.staff_a, check=check)
        assert Order.objects.get(pk=order.pk).status == "submitted"
    assert not AuditEvent.objects.filter(action="order.cancel").exists()


@pytest.mark.django_db(transaction=True)
def test_a_move_outside_a_transaction_is_refused(make_order, town):
    with pytest.raises(RuntimeError):
        FLOW.move(make_order("submitted"), action="cancel", actor=town.staff_a)
