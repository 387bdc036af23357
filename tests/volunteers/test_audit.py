"""Every state change of volunteers, hours and teams leaves an audit row in its transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from practice_center.models import AuditEvent
from tests.factories import UserFactory, VolunteerFactory
from volunteers import services
from volunteers.models import RecordStatus


def row(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


@pytest.fixture
def pending(town):
    return VolunteerFactory(
        user=UserFactory(household=town.household_a), site=town.station_a, status="pending", real_name="王芳"
    )


@pytest.mark.parametrize(
    ("decision", "action", "status"),
    [("approve", "volunteer.approve", "approved"), ("reject", "volunteer.reject", "rejected")],
)
def test_a_decision_on_a_registration_is_audited_with_the_request_id(
    client, town, pending, decision, action, status, login
):
    login(town.staff_a)
    response = client.post(reverse("volunteers:decide", args=[pending.pk]), {"decision": decision})
    event = row(action)
    assert (event.actor, event.object_id, event.site) == (town.staff_a, str(pending.pk), town.station_a)
    assert event.changes["status"] == ["pending", status] and event.changes["approved_by"] == [None, town.staff_a.pk]
    assert event.request_id == response["X-Request-ID"]


def test_a_refused_decision_leaves_no_row(town, pending):
    from practice_center.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        services.volunteer_approve(volunteer=pending, actor=town.staff_b)
    assert not AuditEvent.objects.filter(action="volunteer.approve").exists()


def test_registering_as_a_volunteer_is_audited(town):
    volunteer = services.volunteer_register(user=town.resident_b, real_name="赵强", skills=["维修"])
    event = row("volunteer.register")
    assert (event.actor, event.object_id, event.site) == (town.resident_b, str(volunteer.pk), town.station_b)


@pytest.mark.parametrize(
    ("approve", "action", "status"),
    [(True, "service_record.verify", "verified"), (False, "service_record.reject", "rejected")],
)
def test_verifying_or_rejecting_hours_is_audited(client, town, approve, action, status, login):
    record = services.service_record_create(
        volunteer=town.member_a,
        hours=Decimal("2"),
        served_on=timezone.localdate(),
        source="manual",
        source_id=None,
        description="清扫",
        actor=None,
    )
    assert row("service_record.create").changes["status"] == [None, RecordStatus.PENDING]
    login(town.staff_a)
    response = client.post(
        reverse("volunteers:verify_record", args=[record.pk]), {"decision": "approve" if approve else "reject"}
    )
    event = row(action)
    assert (event.actor, event.object_id, event.site) == (town.staff_a, str(record.pk), town.station_a)
    assert event.changes["status"] == ["pending", status] and event.request_id == response["X-Request-ID"]


def test_creating_a_team_with_a_leader_is_audited_for_both(town):
    team = services.team_create(site=town.station_a, name="新队", actor=town.staff_a, leader=town.member_a)
    created = row("team.create")
    assert (created.actor, created.object_id, created.site) == (town.staff_a, str(team.pk), town.station_a)
    assert created.changes["name"] == [None, "新队"]
    leader = row("team.set_leader")
    assert leader.actor == town.staff_a and leader.changes == {"leader": [None, town.member_a.pk]}


def test_naming_a_new_leader_is_audited_with_the_old_one(town):
    services.team_set_leader(team=town.team_a, volunteer=town.member_a, actor=town.staff_a)
    event = row("team.set_leader")
    assert event.changes == {"leader": [town.leader_a.pk, town.member_a.pk]} and event.actor == town.staff_a


def test_adding_a_member_is_audited_once(town):
    newcomer = VolunteerFactory(user=UserFactory(household=town.household_a), site=town.station_a)
    services.team_add_member(team=town.team_a, volunteer=newcomer, actor=town.leader_a_user)
    services.team_add_member(team=town.team_a, volunteer=newcomer, actor=town.leader_a_user)  # again: nothing new
    assert AuditEvent.objects.filter(action="team.add_member").count() == 1
    event = row("team.add_member")
    assert (event.actor, event.object_id) == (town.leader_a_user, str(town.team_a.pk))
    assert event.changes == {"members": [None, newcomer.pk]}
