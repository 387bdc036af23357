"""Contact on an order: one personal-data predicate decides who reads whose phone.

The leader and the named volunteers see the resident's phone (tap to call) once the order is
accepted, and the resident sees the leader's, until a week after completion; staff see both;
nobody else does.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine

from practice_center.permissions import may_see_phone

pytestmark = pytest.mark.django_db


def forget(user):
    for attribute in ("_order_contacts", "_portal_scope"):
        if hasattr(user, attribute):
            delattr(user, attribute)
    return user


def sees(viewer, person) -> bool:
    return may_see_phone(forget(viewer), person)


def test_before_acceptance_the_team_does_not_see_the_residents_phone(make_order, town):
    make_order("dispatched")
    assert not sees(town.leader_a_user, town.resident_a)
    assert not sees(town.resident_a, town.leader_a_user)


def test_once_accepted_leader_and_named_volunteer_see_the_resident_and_the_resident_sees_the_leader(make_order, town):
    make_order("accepted")
    assert sees(town.leader_a_user, town.resident_a)
    assert sees(town.member_a.user, town.resident_a)
    assert sees(town.resident_a, town.leader_a_user)
    assert not sees(town.resident_a, town.member_a.user)  # the leader is the team's contact
    assert not sees(town.resident_b, town.resident_a)
    assert not sees(town.leader_b_user, town.resident_a)


def test_the_contact_ends_a_week_after_completion(make_order, town):
    order = make_order("completed")
    with time_machine.travel(order.completed_at + datetime.timedelta(days=6), tick=False):
        assert sees(town.leader_a_user, town.resident_a)
    with time_machine.travel(order.completed_at + datetime.timedelta(days=8), tick=False):
        assert not sees(town.leader_a_user, town.resident_a)
        assert not sees(town.resident_a, town.leader_a_user)


def test_staff_of_the_station_always_see_both(make_order, town):
    make_order("dispatched")
    assert sees(town.staff_a, town.resident_a) and sees(town.staff_a, town.leader_a_user)
    assert not sees(town.staff_b, town.resident_a)


def test_the_order_page_offers_tap_to_call_to_the_leader_and_the_resident(make_order, town, client, login):
    order = make_order("accepted")
    login(town.leader_a_user)
    page = client.get(f"/activities/orders/{order.pk}/").content.decode()
    assert f'href="tel:{town.resident_a.phone}"' in page
    login(town.resident_a)
    page = client.get(f"/activities/orders/{order.pk}/").content.decode()
    assert f'href="tel:{town.leader_a_user.phone}"' in page
