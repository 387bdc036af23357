"""The volunteers API: registration, approval, lists scoped by station, teams, service hours."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from practice_center.models import SiteLevel
from tests.factories import GridFactory, HouseholdFactory, SiteFactory, TeamFactory, UserFactory, VolunteerFactory
from volunteers.models import RecordStatus, ServiceRecord, Volunteer, VolunteerStatus

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/volunteers/"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def record(volunteer, hours, *, status=RecordStatus.VERIFIED, day=1) -> ServiceRecord:
    return ServiceRecord.objects.create(
        volunteer=volunteer, hours=Decimal(hours), served_on=datetime.date(2026, 3, day), source="manual", status=status
    )


@pytest.fixture
def pending(town):
    """A resident of station A who asked to volunteer and waits for approval."""
    return VolunteerFactory(user=town.resident_a2, site=town.station_a, status=VolunteerStatus.PENDING)


# ---- POST /volunteers/ ---------------------------------------------------------------------


def test_a_resident_registers_and_waits_for_approval_at_their_station(town, api):
    response = api(town.resident_a).post(
        REGISTER,
        {"real_name": " 张建国 ", "skills": ["文艺", "文艺", "书法"], "availability": "周末", "is_party_member": True},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["site"] == town.station_a.pk
    assert body["real_name"] == "张建国"
    assert body["skills"] == ["文艺", "书法"]
    assert body["is_party_member"] is True
    assert body["verified_hours"] == 0
    assert body["star_level"] == 0
    assert body["phone"] == town.resident_a.phone  # own number
    assert Volunteer.objects.get(pk=body["id"]).user == town.resident_a


def test_registering_twice_is_409_already_registered(town, api):
    client = api(town.resident_a)
    assert client.post(REGISTER, {"real_name": "张建国", "skills": []}).status_code == 201
    second = client.post(REGISTER, {"real_name": "张建国", "skills": []})
    assert second.status_code == 409
    assert second.json()["code"] == "already_registered"
    assert Volunteer.objects.filter(user=town.resident_a).count() == 1


def test_someone_without_a_station_cannot_register(town, api):
    response = api(town.admin).post(REGISTER, {"real_name": "管理员", "skills": []})
    assert response.status_code == 400
    assert "site" in response.json()


def test_anonymous_callers_cannot_register(town, api):
    assert api().post(REGISTER, {"real_name": "x", "skills": []}).status_code == 401


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"real_name", "skills"}),
        ({"real_name": "", "skills": []}, {"real_name"}),
        ({"real_name": "   ", "skills": []}, {"real_name"}),
        ({"real_name": "张", "skills": "文艺"}, {"skills"}),
        ({"real_name": "张", "skills": [{"a": 1}]}, {"skills"}),
        ({"real_name": "张", "skills": ["x" * 31]}, {"skills"}),
        ({"real_name": "张", "skills": ["a"] * 21}, {"skills"}),
        ({"real_name": "张" * 51, "skills": []}, {"real_name"}),
        ({"real_name": "张", "skills": [], "is_party_member": "maybe"}, {"is_party_member"}),
        ({"real_name": "张", "skills": [], "availability": ["x"]}, {"availability"}),
        ({"real_name": 10**40, "skills": [10**40]}, {"skills"}),  # a huge number is too long a skill
    ],
    ids=[
        "empty",
        "blank-name-no-skills",
        "spaces-for-a-name",
        "skills-a-string",
        "skill-an-object",
        "31-char-skill",
        "21-skills",
        "51-char-name",
        "party-member-maybe",
        "availability-a-list",
        "10**40-for-name-and-skill",
    ],
)
def test_bad_registrations_give_400_with_field_messages(town, api, body, fields):
    response = api(town.resident_a).post(REGISTER, body, format="json")
    assert response.status_code == 400
    assert fields <= set(response.json())


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[1, 2, 3]", id="a-list"),
        pytest.param(b'"just a string"', id="a-string"),
        pytest.param(b"\xff\xfe not utf-8", id="not-utf-8"),
        pytest.param(b"{broken", id="not-json"),
        pytest.param(b"null", id="null"),
        pytest.param(b"12345678901234567890", id="20-digit-number"),
    ],
)
def test_garbage_registration_bodies_give_400(town, api, raw):
    response = api(town.resident_a).generic("POST", REGISTER, raw, content_type="application/json")
    assert response.status_code == 400
    assert not Volunteer.objects.filter(user=town.resident_a).exists()


# ---- GET /volunteers/ ----------------------------------------------------------------------


def test_station_staff_list_the_volunteers_of_their_station_only(town, api, pending):
    assert ids(api(town.staff_a).get(REGISTER)) == {town.leader_a.pk, town.member_a.pk, pending.pk}
    assert ids(api(town.staff_b).get(REGISTER)) == {town.leader_b.pk}


def test_institute_staff_and_the_admin_see_every_station_below(town, api, pending):
    everyone = {town.leader_a.pk, town.member_a.pk, pending.pk, town.leader_b.pk}
    assert ids(api(town.institute_staff).get(REGISTER)) == everyone
    assert ids(api(town.admin).get(REGISTER)) == everyone


def test_a_volunteer_sees_only_themself_and_a_leader_sees_their_team(town, api):
    assert ids(api(town.member_a.user).get(REGISTER)) == {town.member_a.pk}
    assert ids(api(town.leader_a_user).get(REGISTER)) == {town.leader_a.pk, town.member_a.pk}
    assert ids(api(town.resident_b).get(REGISTER)) == set()


def test_anonymous_callers_get_401_from_the_list(town, api):
    assert api().get(REGISTER).status_code == 401


def test_staff_filter_the_approval_queue_by_status(town, api, pending):
    assert ids(api(town.staff_a).get(REGISTER, {"status": "pending"})) == {pending.pk}


def test_staff_filter_by_site_subtree(town, api):
    admin = api(town.admin)
    assert ids(admin.get(REGISTER, {"site": town.station_b.pk})) == {town.leader_b.pk}
    assert len(ids(admin.get(REGISTER, {"site": town.institute.pk}))) == 3
    # A filter never widens the scope.
    assert ids(api(town.staff_a).get(REGISTER, {"site": town.station_b.pk})) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "sleeping"}, "status", id="unknown-status"),
        pytest.param({"site": "abc"}, "site", id="site-letters"),
        pytest.param({"site": "9" * 23}, "site", id="site-23-digits"),
    ],
)
def test_bad_volunteer_filters_give_400(town, api, params, field):
    response = api(town.staff_a).get(REGISTER, params)
    assert response.status_code == 400
    assert field in response.json()


def test_phones_in_the_list_are_masked_for_a_team_leader_and_full_for_staff(town, api):
    rows = {row["id"]: row for row in api(town.leader_a_user).get(REGISTER).json()["results"]}
    assert rows[town.member_a.pk]["phone"] == town.member_a.user.masked_phone
    assert rows[town.leader_a.pk]["phone"] == town.leader_a_user.phone  # own
    staff_rows = {row["id"]: row for row in api(town.staff_a).get(REGISTER).json()["results"]}
    assert staff_rows[town.member_a.pk]["phone"] == town.member_a.user.phone


def test_the_volunteer_list_costs_the_same_queries_for_3_or_33_volunteers(town, django_assert_num_queries, login):
    client = login(town.staff_a, token=True)
    # token+user, role assignments, teams led, count, page
    with django_assert_num_queries(5):
        assert client.get(REGISTER).json()["count"] == 2
    for _ in range(30):
        household = HouseholdFactory(grid=town.grid_a)
        user = UserFactory(household=household)
        volunteer = VolunteerFactory(user=user, site=town.station_a)
        record(volunteer, "3.5")
        town.team_a.memberships.create(volunteer=volunteer)
    with django_assert_num_queries(5):
        body = client.get(REGISTER, {"page_size": 100}).json()
    assert body["count"] == 32
    assert {row["verified_hours"] for row in body["results"]} == {0, 3.5}


# ---- GET /volunteers/{id}/ -----------------------------------------------------------------


def test_a_volunteer_shows_verified_hours_star_level_and_teams(town, api):
    for day in range(1, 6):
        record(town.member_a, "24", day=day)  # 120 verified hours: one star
    record(town.member_a, "10", status=RecordStatus.PENDING, day=7)  # not yet counted
    body = api(town.staff_a).get(f"/api/v1/volunteers/{town.member_a.pk}/").json()
    assert body["verified_hours"] == 120
    assert body["star_level"] == 1
    assert body["teams"] == [{"id": town.team_a.pk, "name": "幸福村志愿服务队"}]
    assert body["phone"] == town.member_a.user.phone  # managing staff see it in full


def test_a_volunteer_sees_their_own_full_phone(town, api):
    body = api(town.member_a.user).get(f"/api/v1/volunteers/{town.member_a.pk}/").json()
    assert body["phone"] == town.member_a.user.phone


def test_a_team_leader_sees_a_members_phone_masked(town, api):
    body = api(town.leader_a_user).get(f"/api/v1/volunteers/{town.member_a.pk}/").json()
    assert body["phone"] == town.member_a.user.masked_phone
    assert "****" in body["phone"]


def test_staff_of_the_volunteers_station_see_the_phone_even_without_a_household(town, api):
    staffer = UserFactory(username="staff_volunteer")
    volunteer = VolunteerFactory(user=staffer, site=town.station_a)
    assert api(town.staff_a).get(f"/api/v1/volunteers/{volunteer.pk}/").json()["phone"] == staffer.phone


def test_staff_of_another_station_get_404_for_a_volunteer(town, api):
    assert api(town.staff_b).get(f"/api/v1/volunteers/{town.member_a.pk}/").status_code == 404


def test_a_resident_gets_404_for_someone_elses_volunteer_profile(town, api):
    assert api(town.resident_b).get(f"/api/v1/volunteers/{town.member_a.pk}/").status_code == 404


@pytest.mark.parametrize("pk", ["999999", "abc", pytest.param("9" * 23, id="23-digits"), "-1"])
def test_an_unknown_volunteer_is_404(town, api, pk):
    assert api(town.admin).get(f"/api/v1/volunteers/{pk}/").status_code == 404


def test_anonymous_callers_get_401_for_a_volunteer(town, api):
    assert api().get(f"/api/v1/volunteers/{town.member_a.pk}/").status_code == 401


# ---- POST /volunteers/{id}/approve/ and /reject/ -------------------------------------------


def test_staff_of_the_station_approve_a_pending_volunteer(town, api, pending):
    response = api(town.staff_a).post(f"/api/v1/volunteers/{pending.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    pending.refresh_from_db()
    assert (pending.status, pending.approved_by) == (VolunteerStatus.APPROVED, town.staff_a)


def test_staff_above_the_station_may_approve(town, api, pending):
    assert api(town.institute_staff).post(f"/api/v1/volunteers/{pending.pk}/approve/").status_code == 200


def test_the_admin_may_reject(town, api, pending):
    response = api(town.admin).post(f"/api/v1/volunteers/{pending.pk}/reject/")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_approving_twice_is_409_invalid_transition(town, api, pending):
    client = api(town.staff_a)
    client.post(f"/api/v1/volunteers/{pending.pk}/approve/")
    for verb in ("approve", "reject"):
        response = client.post(f"/api/v1/volunteers/{pending.pk}/{verb}/")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"


def test_staff_of_another_station_get_404_when_approving(town, api, pending):
    assert api(town.staff_b).post(f"/api/v1/volunteers/{pending.pk}/approve/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.PENDING


def test_a_volunteer_cannot_approve_themself(town, api, pending):
    response = api(town.resident_a2).post(f"/api/v1/volunteers/{pending.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_team_leader_cannot_approve_or_reject_members(town, api):
    assert api(town.leader_a_user).post(f"/api/v1/volunteers/{town.member_a.pk}/reject/").status_code == 403
    town.member_a.refresh_from_db()
    assert town.member_a.status == VolunteerStatus.APPROVED


def test_anonymous_callers_cannot_approve_and_unknown_ids_are_404(town, api, pending):
    assert api().post(f"/api/v1/volunteers/{pending.pk}/approve/").status_code == 401
    assert api(town.admin).post("/api/v1/volunteers/999999/approve/").status_code == 404


def test_approving_ignores_a_garbage_body(town, api, pending):
    response = api(town.staff_a).generic(
        "POST", f"/api/v1/volunteers/{pending.pk}/approve/", b"\xff[", content_type="application/json"
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.APPROVED


def test_volunteers_cannot_be_deleted_or_replaced_through_the_api(town, api):
    assert api(town.admin).delete(f"/api/v1/volunteers/{town.member_a.pk}/").status_code == 405
    assert api(town.admin).put(f"/api/v1/volunteers/{town.member_a.pk}/", {}).status_code == 405


# ---- teams ---------------------------------------------------------------------------------


def test_anyone_signed_in_lists_the_teams(town, api):
    assert ids(api(town.resident_b).get("/api/v1/teams/")) == {town.team_a.pk, town.team_b.pk}


def test_anonymous_callers_get_401_from_teams(town, api):
    assert api().get("/api/v1/teams/").status_code == 401
    assert api().get(f"/api/v1/teams/{town.team_a.pk}/").status_code == 401


def test_teams_filter_by_site_means_the_sites_subtree(town, api):
    point_team = TeamFactory(site=town.point_a, name="一组服务队")
    client = api(town.staff_a)
    assert ids(client.get("/api/v1/teams/", {"site": town.station_a.pk})) == {town.team_a.pk, point_team.pk}
    assert ids(client.get("/api/v1/teams/", {"site": town.institute.pk})) == {
        town.team_a.pk,
        town.team_b.pk,
        point_team.pk,
    }
    assert ids(client.get("/api/v1/teams/", {"site": town.point_a.pk})) == {point_team.pk}


def test_a_bad_team_site_filter_is_400(town, api):
    response = api(town.staff_a).get("/api/v1/teams/", {"site": "nowhere"})
    assert response.status_code == 400
    assert "site" in response.json()


def test_a_team_lists_its_leader_and_members(town, api):
    body = api(town.resident_a).get(f"/api/v1/teams/{town.team_a.pk}/").json()
    assert body["id"] == town.team_a.pk
    assert body["name"] == "幸福村志愿服务队"
    assert body["site"] == town.station_a.pk
    assert body["leader"] == town.leader_a.pk
    assert body["leader_name"] == "队长甲"
    assert body["member_count"] == 2
    assert [(m["volunteer"], m["name"]) for m in body["members"]] == [
        (town.leader_a.pk, "队长甲"),
        (town.member_a.pk, "志愿者甲"),
    ]


def test_a_team_without_a_leader_says_so(town, api):
    team = TeamFactory(site=town.station_b, name="新队")
    body = api(town.staff_b).get(f"/api/v1/teams/{team.pk}/").json()
    assert (body["leader"], body["leader_name"], body["members"]) == (None, None, [])


@pytest.mark.parametrize("pk", ["999999", "abc", pytest.param("9" * 23, id="23-digits")])
def test_an_unknown_team_is_404(town, api, pk):
    assert api(town.resident_a).get(f"/api/v1/teams/{pk}/").status_code == 404


def test_an_inactive_team_is_404(town, api):
    team = TeamFactory(site=town.station_a, name="解散的队", is_active=False)
    assert api(town.staff_a).get(f"/api/v1/teams/{team.pk}/").status_code == 404


def test_the_team_list_costs_the_same_queries_for_2_or_22_teams(town, django_assert_num_queries, login):
    client = login(town.resident_a, token=True)
    # token+user, count, page (teams are public, so no role lookups)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/teams/").json()["count"] == 2
    for index in range(20):
        site = SiteFactory(level=SiteLevel.STATION, parent=town.institute)
        leader = VolunteerFactory(site=site)
        team = TeamFactory(site=site, name=f"队{index}", leader=leader)
        team.memberships.create(volunteer=leader)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/teams/", {"page_size": 100}).json()["count"] == 22


def test_a_team_detail_costs_the_same_queries_for_2_or_22_members(town, django_assert_num_queries, login):
    client = login(town.resident_a, token=True)
    url = f"/api/v1/teams/{town.team_a.pk}/"
    with django_assert_num_queries(3):  # token+user, team, members
        client.get(url)
    for _ in range(20):
        town.team_a.memberships.create(volunteer=VolunteerFactory(site=town.station_a))
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["members"]) == 22


# ---- service records -----------------------------------------------------------------------


def test_staff_list_a_volunteers_service_records_newest_first(town, api):
    older = record(town.member_a, "2", day=1)
    newer = record(town.member_a, "3", status=RecordStatus.PENDING, day=9)
    body = api(town.staff_a).get(f"/api/v1/volunteers/{town.member_a.pk}/service-records/").json()
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    assert body["results"][0]["hours"] == 3
    assert body["results"][0]["status"] == "pending"


def test_a_volunteer_lists_their_own_records_and_filters_by_status(town, api):
    record(town.member_a, "2", day=1)
    pending_record = record(town.member_a, "3", status=RecordStatus.PENDING, day=9)
    client = api(town.member_a.user)
    url = f"/api/v1/volunteers/{town.member_a.pk}/service-records/"
    assert client.get(url).json()["count"] == 2
    assert ids(client.get(url, {"status": "pending"})) == {pending_record.pk}
    assert client.get(url, {"status": "lost"}).status_code == 400


def test_staff_of_another_station_get_404_for_service_records(town, api):
    record(town.member_a, "2")
    assert api(town.staff_b).get(f"/api/v1/volunteers/{town.member_a.pk}/service-records/").status_code == 404
    assert api(town.staff_b).get("/api/v1/service-records/").json()["count"] == 0


def test_service_records_of_an_unknown_volunteer_are_404_and_anonymous_401(town, api):
    assert api(town.admin).get("/api/v1/volunteers/999999/service-records/").status_code == 404
    assert api(town.admin).get("/api/v1/volunteers/99999999999999999999999/service-records/").status_code == 404
    assert api().get(f"/api/v1/volunteers/{town.member_a.pk}/service-records/").status_code == 401


def test_staff_verify_a_record_and_the_hours_count(town, api):
    pending_record = record(town.member_a, "5", status=RecordStatus.PENDING)
    response = api(town.staff_a).post(f"/api/v1/service-records/{pending_record.pk}/verify/", {"approve": True})
    assert response.status_code == 200
    assert response.json()["status"] == "verified"
    assert api(town.staff_a).get(f"/api/v1/volunteers/{town.member_a.pk}/").json()["verified_hours"] == 5


def test_staff_reject_a_record_and_the_hours_do_not_count(town, api):
    pending_record = record(town.member_a, "5", status=RecordStatus.PENDING)
    response = api(town.staff_a).post(f"/api/v1/service-records/{pending_record.pk}/verify/", {"approve": False})
    assert response.json()["status"] == "rejected"
    assert api(town.staff_a).get(f"/api/v1/volunteers/{town.member_a.pk}/").json()["verified_hours"] == 0


def test_verifying_a_decided_record_is_409(town, api):
    done = record(town.member_a, "5")
    response = api(town.staff_a).post(f"/api/v1/service-records/{done.pk}/verify/", {"approve": True})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_volunteer_cannot_verify_their_own_hours(town, api):
    own = record(town.member_a, "5", status=RecordStatus.PENDING)
    response = api(town.member_a.user).post(f"/api/v1/service-records/{own.pk}/verify/", {"approve": True})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == RecordStatus.PENDING


def test_staff_of_another_station_get_404_when_verifying(town, api):
    other = record(town.member_a, "5", status=RecordStatus.PENDING)
    assert api(town.staff_b).post(f"/api/v1/service-records/{other.pk}/verify/", {"approve": True}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"approve": "maybe"}, {"approve": None}, {"approve": [True]}])
def test_a_verify_without_a_clear_decision_is_400(town, api, body):
    target = record(town.member_a, "5", status=RecordStatus.PENDING)
    response = api(town.staff_a).post(f"/api/v1/service-records/{target.pk}/verify/", body, format="json")
    assert response.status_code == 400
    assert "approve" in response.json()


def test_verify_of_an_unknown_record_is_404_and_anonymous_401(town, api):
    target = record(town.member_a, "5", status=RecordStatus.PENDING)
    assert api(town.admin).post("/api/v1/service-records/999999/verify/", {"approve": True}).status_code == 404
    assert api().post(f"/api/v1/service-records/{target.pk}/verify/", {"approve": True}).status_code == 401


def test_the_staff_verification_queue_lists_pending_records_of_the_subtree(town, api):
    mine = record(town.member_a, "5", status=RecordStatus.PENDING)
    record(town.member_a, "5")
    record(town.leader_b, "5", status=RecordStatus.PENDING)
    assert ids(api(town.staff_a).get("/api/v1/service-records/", {"status": "pending"})) == {mine.pk}
    assert api(town.staff_a).get(f"/api/v1/service-records/{mine.pk}/").json()["hours"] == 5


def test_a_new_station_without_volunteers_lists_nothing(db, api):
    station = SiteFactory(level=SiteLevel.STATION)
    GridFactory(station=station)
    from practice_center.models import Role
    from tests.factories import RoleFactory

    staff = UserFactory()
    RoleFactory(user=staff, role=Role.STATION_STAFF, site=station)
    assert api(staff).get(REGISTER).json() == {"count": 0, "next": None, "previous": None, "results": []}
