"""Notifications: written with the action, delivered after commit, retried, never sent twice."""

from __future__ import annotations

import pytest
from django.db import transaction

from practice_center.models import Delivery, DeliveryStatus, Notification
from practice_center.notifications import notify, register

pytestmark = pytest.mark.django_db

register("test_order_dispatched", title="Order {order} dispatched", body="{team} will help you.", channels=("sms",))


def test_notify_writes_a_notification_and_an_sms_delivery_per_recipient(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            notes = notify(
                recipients=[town.resident_a, town.resident_a],
                kind="test_order_dispatched",
                data={"order": 7, "team": "幸福村志愿服务队"},
                url="/activities/orders/7/",
            )
    assert len(notes) == 1
    assert len(callbacks) == 1
    note = Notification.objects.get()
    assert note.title == "Order 7 dispatched"
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
