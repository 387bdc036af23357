"""Time-outs: not dispatched / not accepted in time → alerts, each once, never each run."""

from __future__ import annotations

import datetime

import time_machine

from activities import services, tasks
from activities.models import Order
from practice_center.models.notifications import Notification

T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def alerts(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_an_order_not_dispatched_in_time_alerts_the_staff_one_level_up_once(town, make_order):
    with time_machine.travel(T0, tick=False):
        order = make_order()
    with time_machine.travel(T0 + datetime.timedelta(hours=23), tick=False):
        assert tasks.order_timeouts() == {"dispatch": 0, "accept": 0}
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        assert tasks.order_timeouts()["dispatch"] == 1
        assert tasks.order_timeouts()["dispatch"] == 0  # the next run does not repeat it
    assert alerts("order_dispatch_overdue") == ["institute_staff"]
    assert Order.objects.get(pk=order.pk).dispatch_alert_sent


def test_a_dispatched_order_not_accepted_in_time_reminds_the_leader_and_tells_staff(town, make_order):
    with time_machine.travel(T0, tick=False):
        order = make_order("dispatched")
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        assert tasks.order_timeouts() == {"dispatch": 0, "accept": 1}
        tasks.order_timeouts()
    assert alerts("order_accept_overdue") == ["institute_staff", "leader_a", "staff_a"]
    assert Order.objects.get(pk=order.pk).accept_alert_sent


def test_the_per_order_task_is_safe_to_run_twice(town, make_order):
    with time_machine.travel(T0, tick=False):
        order = make_order()
    with time_machine.travel(T0 + datetime.timedelta(hours=30), tick=False):
        assert tasks.order_alert_dispatch_overdue(order.pk) is True
        assert tasks.order_alert_dispatch_overdue(order.pk) is False
    assert len(alerts("order_dispatch_overdue")) == 1


def test_a_declined_order_waits_afresh_and_can_alert_again(town, make_order):
    with time_machine.travel(T0, tick=False):
        order = make_order()
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        tasks.order_timeouts()
        order = services.order_dispatch(order=order, team=town.team_a, actor=town.staff_a)
    with time_machine.travel(T0 + datetime.timedelta(hours=26), tick=False):
        services.order_decline(order=order, reason="没空", actor=town.leader_a_user)
    with time_machine.travel(T0 + datetime.timedelta(hours=40), tick=False):
        assert tasks.order_timeouts()["dispatch"] == 0
    with time_machine.travel(T0 + datetime.timedelta(hours=51), tick=False):
        assert tasks.order_timeouts()["dispatch"] == 1
    assert len(alerts("order_dispatch_overdue")) == 2


def test_a_station_under_the_center_escalates_to_the_nearest_staff_above(town, make_order):
    """Without institute staff, the alert goes to the center admin."""
    town.institute_staff.role_assignments.all().delete()
    with time_machine.travel(T0, tick=False):
        make_order()
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        tasks.order_timeouts()
    assert alerts("order_dispatch_overdue") == ["admin"]


def test_finished_orders_never_alert(town, make_order):
    with time_machine.travel(T0, tick=False):
        for state in ("completed", "cancelled", "rejected", "accepted"):
            make_order(state)
    with time_machine.travel(T0 + datetime.timedelta(days=5), tick=False):
        assert tasks.order_timeouts() == {"dispatch": 0, "accept": 0}


def test_the_beat_schedule_runs_the_sweep(settings):
    from practice_center.celery import app

    entries = [e["task"] for e in app.conf.beat_schedule.values()]
    assert "activities.tasks.order_timeouts" in entries
