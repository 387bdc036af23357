"""Volunteer services as worked examples: register, approve, teams, hours and stars."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from practice_center.exceptions import NotAllowed
from practice_center.scoping import scope
from tests.factories import UserFactory, VolunteerFactory
from volunteers import services
from volunteers.exceptions import AlreadyRegistered, NotApproved, NotPending
from volunteers.models import RecordStatus, TeamMembership, Volunteer, VolunteerStatus
from volunteers.selectors import star_level_for

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def register(user, **extra) -> Volunteer:
    return services.volunteer_register(user=user, real_name=user.name, skills=["文艺"], **extra)


# ---- registration and approval -------------------------------------------------------------


def test_a_resident_registers_at_their_households_station_and_waits(town):
    volunteer = register(town.resident_a, availability=" 周末 ", is_party_member=True)
    assert (volunteer.site, volunteer.status) == (town.station_a, VolunteerStatus.PENDING)
    assert volunteer.availability == "周末"
    assert volunteer.is_party_member is True


def test_skills_are_trimmed_deduplicated_and_capped(town):
    volunteer = services.volunteer_register(
        user=town.resident_a, real_name="张建国", skills=[" 法律 ", "法律", "", "x" * 50] + [f"s{i}" for i in range(30)]
    )
    assert volunteer.skills[:2] == ["法律", "x" * 30]
    assert len(volunteer.skills) == 20


def test_a_second_registration_is_refused(town):
    register(town.resident_a)
    with pytest.raises(AlreadyRegistered):
        register(town.resident_a)
    assert Volunteer.objects.filter(user=town.resident_a).count() == 1


def test_a_blank_real_name_is_refused(town):
    with pytest.raises(ValidationError) as error:
        services.volunteer_register(user=town.resident_a, real_name="  ", skills=[])
    assert "real_name" in error.value.message_dict


def test_someone_without_a_station_cannot_register(town):
    with pytest.raises(ValidationError) as error:
        register(UserFactory())
    assert "site" in error.value.message_dict


def test_staff_register_at_the_station_they_work_at(town):
    assert register(town.staff_b).site == town.station_b


@time_machine.travel(datetime.datetime(2026, 3, 5, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_staff_of_the_station_approve_and_the_decision_is_recorded(town):
    volunteer = register(town.resident_a)
    services.volunteer_approve(volunteer=volunteer, actor=town.staff_a)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.APPROVED
    assert volunteer.approved_by == town.staff_a
    assert volunteer.approved_at == datetime.datetime(2026, 3, 5, 9, 0, tzinfo=datetime.UTC)


def test_staff_above_the_station_may_reject(town):
    volunteer = register(town.resident_a)
    services.volunteer_reject(volunteer=volunteer, actor=town.institute_staff)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.REJECTED


def test_staff_of_another_station_cannot_approve(town):
    volunteer = register(town.resident_a)
    with pytest.raises(NotAllowed):
        services.volunteer_approve(volunteer=volunteer, actor=town.staff_b)
    volunteer.refresh_from_db()
    assert volunteer.status == VolunteerStatus.PENDING


def test_a_decided_registration_cannot_be_decided_again(town):
    volunteer = register(town.resident_a)
    services.volunteer_reject(volunteer=volunteer, actor=town.staff_a)
    with pytest.raises(NotPending):
        services.volunteer_approve(volunteer=volunteer, actor=town.staff_a)


# ---- teams ---------------------------------------------------------------------------------


def test_staff_create_a_team_with_a_leader_who_becomes_a_member(town):
    team = services.team_create(site=town.station_a, name=" 法律服务队 ", actor=town.staff_a, leader=town.member_a)
    assert team.name == "法律服务队"
    assert team.leader == town.member_a
    assert TeamMembership.objects.filter(team=team, volunteer=town.member_a).exists()
    assert scope(town.member_a.user).leads_team(team.pk)


def test_staff_of_another_station_cannot_create_a_team_there(town):
    with pytest.raises(NotAllowed):
        services.team_create(site=town.station_a, name="越权队", actor=town.staff_b)


def test_the_leader_adds_an_approved_member_once(town):
    newcomer = VolunteerFactory(site=town.station_a)
    first = services.team_add_member(team=town.team_a, volunteer=newcomer, actor=town.leader_a_user)
    again = services.team_add_member(team=town.team_a, volunteer=newcomer, actor=town.leader_a_user)
    assert first.pk == again.pk


def test_a_pending_volunteer_cannot_join_a_team(town):
    volunteer = register(town.resident_a)
    with pytest.raises(NotApproved):
        services.team_add_member(team=town.team_a, volunteer=volunteer, actor=town.staff_a)


def test_a_plain_member_cannot_add_members(town):
    newcomer = VolunteerFactory(site=town.station_a)
    with pytest.raises(NotAllowed):
        services.team_add_member(team=town.team_a, volunteer=newcomer, actor=town.member_a.user)


def test_only_staff_name_a_leader(town):
    with pytest.raises(NotAllowed):
        services.team_set_leader(team=town.team_a, volunteer=town.member_a, actor=town.leader_a_user)
    services.team_set_leader(team=town.team_a, volunteer=town.member_a, actor=town.staff_a)
    town.team_a.refresh_from_db()
    assert town.team_a.leader == town.member_a


# ---- service hours and stars ---------------------------------------------------------------


def test_recording_the_same_source_twice_keeps_one_record(town):
    first = services.service_record_create(
        volunteer=town.member_a,
        hours=Decimal("2.5"),
        served_on=DAY,
        source="order",
        source_id=7,
        description="送餐",
        actor=town.leader_a_user,
    )
    again = services.service_record_create(
        volunteer=town.member_a,
        hours=Decimal("2.5"),
        served_on=DAY,
        source="order",
        source_id=7,
        description="送餐",
        actor=town.leader_a_user,
    )
    assert first.pk == again.pk
    assert town.member_a.service_records.count() == 1


@pytest.mark.parametrize("hours", ["0", "-1", "24.01", "1000"])
def test_hours_must_be_between_0_and_24(town, hours):
    with pytest.raises(ValidationError):
        services.service_record_create(
            volunteer=town.member_a,
            hours=Decimal(hours),
            served_on=DAY,
            source="manual",
            source_id=None,
            description="",
            actor=town.staff_a,
        )


def test_an_unknown_source_is_refused(town):
    with pytest.raises(ValidationError):
        services.service_record_create(
            volunteer=town.member_a,
            hours=Decimal("1"),
            served_on=DAY,
            source="magic",
            source_id=None,
            description="",
            actor=town.staff_a,
        )


def test_verified_hours_count_and_pending_or_rejected_do_not(town):
    def add(hours, source_id):
        return services.service_record_create(
            volunteer=town.member_a,
            hours=Decimal(hours),
            served_on=DAY,
            source="manual",
            source_id=source_id,
            description="",
            actor=town.leader_a_user,
        )

    kept, dropped, waiting = add("4", 1), add("3", 2), add("2", 3)
    services.service_record_verify(record=kept, actor=town.staff_a, approve=True)
    services.service_record_verify(record=dropped, actor=town.staff_a, approve=False)
    assert waiting.status == RecordStatus.PENDING
    assert town.member_a.verified_hours == Decimal("4")


def test_only_staff_of_the_volunteers_station_verify(town):
    record = services.service_record_create(
        volunteer=town.member_a,
        hours=Decimal("4"),
        served_on=DAY,
        source="manual",
        source_id=None,
        description="",
        actor=town.leader_a_user,
    )
    for outsider in (town.staff_b, town.leader_a_user, town.member_a.user):
        with pytest.raises(NotAllowed):
            services.service_record_verify(record=record, actor=outsider)
    services.service_record_verify(record=record, actor=town.admin)
    with pytest.raises(NotPending):
        services.service_record_verify(record=record, actor=town.staff_a)


@pytest.mark.parametrize(
    ("hours", "stars"),
    [(0, 0), (99.99, 0), (100, 1), (299, 1), (300, 2), (600, 3), (999, 3), (1000, 4), (1500, 5), (20000, 5)],
)
def test_star_levels_follow_the_national_thresholds(hours, stars):
    assert star_level_for(hours) == stars


@override_settings(PORTAL={"STAR_THRESHOLDS": [10, 20, 30, 40, 50]})
def test_star_thresholds_are_a_setting():
    assert star_level_for(25) == 2


def test_a_volunteer_with_verified_records_of_130_hours_has_one_star(town):
    for day in range(1, 7):
        services.service_record_create(
            volunteer=town.member_a,
            hours=Decimal("20"),
            served_on=DAY.replace(day=day),
            source="manual",
            source_id=None,
            description="",
            actor=town.staff_a,
            verified=True,
        )
    services.service_record_create(
        volunteer=town.member_a,
        hours=Decimal("10"),
        served_on=DAY.replace(day=9),
        source="manual",
        source_id=None,
        description="",
        actor=town.staff_a,
        verified=True,
    )
    assert town.member_a.verified_hours == Decimal("130")
    assert town.member_a.star_level == 1
