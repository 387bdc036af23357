"""Pages of the volunteers app: registration, my page, approvals, hours, teams; scoped by station."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.factories import UserFactory, VolunteerFactory
from tests.i18n import zh
from volunteers.models import RecordStatus, ServiceRecord, TeamMembership, Volunteer, VolunteerStatus


@pytest.fixture
def pending_a(town):
    """A resident of station A waiting for approval."""
    return VolunteerFactory(user=town.resident_a, site=town.station_a, status=VolunteerStatus.PENDING)


@pytest.fixture
def record_a(town):
    return ServiceRecord.objects.create(
        volunteer=town.member_a, hours=Decimal("3"), served_on=datetime.date(2026, 11, 1), source="manual"
    )


# ---- registration ---------------------------------------------------------------------------


def test_a_resident_registers_as_a_volunteer_with_checked_and_typed_skills(client, town, login):
    login(town.resident_a)
    response = client.post(
        "/volunteers/register/",
        {
            "real_name": "张建国",
            "skills": ["法律", "医疗"],
            "other_skills": "剪纸，二胡",
            "availability": "周末",
            "is_party_member": "on",
        },
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=town.resident_a)
    assert volunteer.status == VolunteerStatus.PENDING
    assert volunteer.site == town.station_a
    assert volunteer.skills == ["法律", "医疗", "剪纸", "二胡"]
    assert volunteer.is_party_member


def test_registering_without_any_skill_shows_an_error_and_keeps_the_typed_values(client, town, login):
    login(town.resident_a)
    response = client.post("/volunteers/register/", {"real_name": "张建国", "availability": "每周三下午"})
    assert response.status_code == 200
    assert "skills" in response.context["form"].errors
    assert "每周三下午" in response.content.decode()
    assert not Volunteer.objects.filter(user=town.resident_a).exists()


def test_an_unknown_skill_choice_is_a_form_error(client, town, login):
    login(town.resident_a)
    response = client.post("/volunteers/register/", {"real_name": "张建国", "skills": ["<script>"]})
    assert response.status_code == 200
    assert "skills" in response.context["form"].errors


def test_a_person_without_a_household_is_told_to_join_one_first(client, town, login):
    login(town.admin)  # a center admin belongs to no station's household
    response = client.post("/volunteers/register/", {"real_name": "中心管理员", "skills": ["法律"]})
    assert response.status_code == 200
    assert list(response.context["form"].non_field_errors()) == [
        zh("Join a household of a station before registering as a volunteer.")
    ]


def test_a_registered_volunteer_is_sent_to_the_own_page(client, town, login):
    login(town.member_a.user)
    response = client.get("/volunteers/register/")
    assert response.url == "/volunteers/me/"


def test_registration_needs_a_login(client, town):
    assert client.get("/volunteers/register/").status_code == 302


# ---- my page ----------------------------------------------------------------------------------


def test_my_page_shows_verified_hours_stars_teams_and_records(client, town, record_a, login):
    ServiceRecord.objects.create(
        volunteer=town.member_a,
        hours=Decimal("24"),
        served_on=datetime.date(2026, 10, 1),
        source="manual",
        status=RecordStatus.VERIFIED,
    )
    login(town.member_a.user)
    response = client.get("/volunteers/me/?lang=en")
    assert response.context["verified_hours"] == Decimal("24")
    html = response.content.decode()
    assert "幸福村志愿服务队" in html
    assert "Awaiting verification" in html


def test_my_page_invites_a_non_volunteer_to_register(client, town, login):
    login(town.resident_b)
    response = client.get("/volunteers/me/")
    assert response.context["volunteer"] is None
    assert "/volunteers/register/" in response.content.decode()


# ---- approvals --------------------------------------------------------------------------------


def test_staff_see_the_pending_registrations_of_their_station_only(client, town, pending_a, login):
    VolunteerFactory(user=UserFactory(name="乙站申请人"), site=town.station_b, status=VolunteerStatus.PENDING)
    login(town.staff_a)
    html = client.get("/volunteers/pending/").content.decode()
    assert "张建国" in html
    assert "乙站申请人" not in html


def test_residents_may_not_open_the_approval_queue(client, town, login):
    login(town.resident_a)
    assert client.get("/volunteers/pending/").status_code == 403


def test_staff_approve_a_registration(client, town, pending_a, login):
    login(town.staff_a)
    response = client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    pending_a.refresh_from_db()
    assert pending_a.status == VolunteerStatus.APPROVED
    assert pending_a.approved_by == town.staff_a


def test_staff_reject_a_registration(client, town, pending_a, login):
    login(town.staff_a)
    client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "reject"})
    pending_a.refresh_from_db()
    assert pending_a.status == VolunteerStatus.REJECTED


def test_deciding_twice_shows_a_message_instead_of_failing(client, town, pending_a, login):
    login(town.staff_a)
    client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "approve"}, follow=True)
    response = client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "reject"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    pending_a.refresh_from_db()
    assert pending_a.status == VolunteerStatus.APPROVED


def test_staff_of_station_b_get_not_found_on_a_station_a_volunteer(client, town, pending_a, login):
    login(town.staff_b)
    assert client.get(f"/volunteers/{pending_a.pk}/").status_code == 404
    assert client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "approve"}).status_code == 404
    pending_a.refresh_from_db()
    assert pending_a.status == VolunteerStatus.PENDING


def test_a_bad_decision_or_a_missing_volunteer_does_not_break(client, town, pending_a, login):
    login(town.staff_a)
    assert client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "maybe"}).status_code == 302
    assert client.post("/volunteers/999999/decide/", {"decision": "approve"}).status_code == 404
    assert client.get(f"/volunteers/{pending_a.pk}/decide/").status_code == 405


def test_the_decision_needs_a_login(client, town, pending_a):
    assert client.post(f"/volunteers/{pending_a.pk}/decide/", {"decision": "approve"}).status_code == 302


def test_staff_see_the_full_phone_on_the_volunteer_page_and_a_leader_a_masked_one(client, town, login):
    login(town.staff_a)
    assert town.member_a.user.phone in client.get(f"/volunteers/{town.member_a.pk}/").content.decode()
    login(town.leader_a_user)
    html = client.get(f"/volunteers/{town.member_a.pk}/").content.decode()
    assert town.member_a.user.phone not in html
    assert town.member_a.user.masked_phone in html


# ---- hours to verify ----------------------------------------------------------------------------


def test_staff_verify_service_hours(client, town, record_a, login):
    login(town.staff_a)
    assert "志愿者甲" in client.get("/volunteers/records/").content.decode()
    client.post(f"/volunteers/records/{record_a.pk}/verify/", {"decision": "approve"})
    record_a.refresh_from_db()
    assert record_a.status == RecordStatus.VERIFIED


def test_staff_of_another_station_neither_see_nor_verify_the_hours(client, town, record_a, login):
    login(town.staff_b)
    assert "志愿者甲" not in client.get("/volunteers/records/").content.decode()
    assert client.post(f"/volunteers/records/{record_a.pk}/verify/", {"decision": "approve"}).status_code == 404
    record_a.refresh_from_db()
    assert record_a.status == RecordStatus.PENDING


def test_a_team_leader_may_not_open_the_hours_queue(client, town, login):
    login(town.leader_a_user)
    assert client.get("/volunteers/records/").status_code == 403


# ---- teams --------------------------------------------------------------------------------------


def test_the_team_page_lists_members(client, town, login):
    login(town.resident_a)
    html = client.get(f"/volunteers/teams/{town.team_a.pk}/").content.decode()
    assert "队长甲" in html and "志愿者甲" in html
    assert town.member_a.user.phone not in html


def test_a_missing_team_is_not_found(client, town, login):
    login(town.resident_a)
    assert client.get("/volunteers/teams/999999/").status_code == 404


def test_staff_add_an_approved_volunteer_from_the_list(client, town, login):
    newcomer = VolunteerFactory(user=UserFactory(name="新志愿者"), site=town.station_a)
    login(town.staff_a)
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"volunteer": newcomer.pk})
    assert response.status_code == 302
    assert TeamMembership.objects.filter(team=town.team_a, volunteer=newcomer).exists()


def test_the_leader_adds_an_approved_volunteer_by_phone(client, town, login):
    newcomer = VolunteerFactory(user=UserFactory(name="新志愿者", phone="13700000001"), site=town.station_a)
    login(town.leader_a_user)
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"phone": "13700000001"})
    assert response.status_code == 302
    assert TeamMembership.objects.filter(team=town.team_a, volunteer=newcomer).exists()


def test_a_pending_or_other_station_volunteer_cannot_be_added_by_phone(client, town, login):
    VolunteerFactory(user=UserFactory(phone="13700000002"), site=town.station_a, status=VolunteerStatus.PENDING)
    login(town.leader_a_user)
    for phone in ("13700000002", town.leader_b_user.phone, "12"):
        response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"phone": phone})
        assert response.status_code == 200
        assert "phone" in response.context["form"].errors
    assert town.team_a.memberships.count() == 2


def test_the_leader_of_another_team_may_not_add_members(client, town, login):
    login(town.leader_b_user)
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"phone": town.leader_b_user.phone})
    assert response.status_code == 403


def test_staff_create_a_team_and_name_its_leader(client, town, login):
    login(town.staff_a)
    response = client.post(
        "/volunteers/teams/new/",
        {"site": town.station_a.pk, "name": "敬老志愿服务队", "description": "陪伴老人", "leader": town.member_a.pk},
    )
    assert response.status_code == 302
    team = town.station_a.teams.get(name="敬老志愿服务队")
    assert team.leader == town.member_a
    assert team.memberships.filter(volunteer=town.member_a).exists()


def test_a_duplicate_team_name_or_another_station_site_is_a_form_error(client, town, login):
    login(town.staff_a)
    response = client.post("/volunteers/teams/new/", {"site": town.station_a.pk, "name": "幸福村志愿服务队"})
    assert "name" in response.context["form"].errors
    response = client.post("/volunteers/teams/new/", {"site": town.station_b.pk, "name": "新队"})
    assert "site" in response.context["form"].errors


def test_residents_may_not_create_teams(client, town, login):
    login(town.resident_a)
    assert client.get("/volunteers/teams/new/").status_code == 403


def test_staff_name_a_member_as_leader(client, town, login):
    login(town.staff_a)
    client.post(f"/volunteers/teams/{town.team_a.pk}/leader/", {"volunteer": town.member_a.pk})
    town.team_a.refresh_from_db()
    assert town.team_a.leader == town.member_a


def test_staff_of_another_station_may_not_name_a_leader(client, town, login):
    login(town.staff_b)
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/leader/", {"volunteer": town.member_a.pk})
    assert response.status_code == 403


def test_naming_a_non_member_or_garbage_as_leader_shows_a_message(client, town, login):
    login(town.staff_a)
    for value in (town.leader_b.pk, "abc", ""):
        response = client.post(f"/volunteers/teams/{town.team_a.pk}/leader/", {"volunteer": value}, follow=True)
        assert response.redirect_chain and response.status_code == 200
        assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
            ("error", zh("Choose a member of the team."))
        ], value
    town.team_a.refresh_from_db()
    assert town.team_a.leader == town.leader_a


# ---- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [1, 25])
def test_the_approval_queue_costs_the_same_queries_at_any_size(client, town, extra, django_assert_num_queries, login):
    for _ in range(extra):
        VolunteerFactory(site=town.station_a, status=VolunteerStatus.PENDING)
    login(town.staff_a)
    with django_assert_num_queries(PENDING_QUERIES):
        response = client.get("/volunteers/pending/")
    assert response.context["page"].paginator.count == extra


@pytest.mark.parametrize("extra", [0, 25])
def test_the_team_list_costs_the_same_queries_at_any_size(client, town, extra, django_assert_num_queries, login):
    from tests.factories import MembershipFactory, TeamFactory

    for n in range(extra):
        team = TeamFactory(site=town.station_a, name=f"队{n}", leader=town.member_a)
        MembershipFactory(team=team, volunteer=town.member_a)
    login(town.staff_a)
    with django_assert_num_queries(TEAM_LIST_QUERIES):
        response = client.get("/volunteers/teams/")
    assert response.context["page"].paginator.count == 2 + extra


@pytest.mark.parametrize("extra", [0, 25])
def test_the_team_page_costs_the_same_queries_at_any_size(client, town, extra, django_assert_num_queries, login):
    for _ in range(extra):
        TeamMembership.objects.create(team=town.team_a, volunteer=VolunteerFactory(site=town.station_a))
    login(town.staff_a)
    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        response = client.get(f"/volunteers/teams/{town.team_a.pk}/")
    assert len(response.context["memberships"]) == 2 + extra


PENDING_QUERIES = 8
TEAM_LIST_QUERIES = 8
TEAM_PAGE_QUERIES = 10  # + the members' star milestones (volunteers/milestones.py)
