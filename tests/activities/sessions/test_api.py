"""The activities API as API.md describes it: owner, other station, anonymous, missing, bad input."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from activities.models import Activity, Category, Enrollment
from activities.sessions import checkin
from tests.activities.sessions.factories import ActivityFactory, EnrollmentFactory, ThemeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"


def detail(activity, suffix=""):
    return f"{URL}{activity.pk}/{suffix}"


# ---- list and detail ------------------------------------------------------------------------------


def test_the_list_has_the_contract_fields_and_my_status(town, api, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    answer = api(town.resident_a).get(URL)
    assert answer.status_code == 200
    row = answer.json()["results"][0]
    for name in (
        *("id", "title", "site", "category", "theme", "starts_at", "ends_at", "place", "capacity"),
        *("enrolled_count", "waitlist_count", "seats_left", "status", "my_status"),
    ):
        assert name in row
    assert (row["enrolled_count"], row["seats_left"], row["my_status"]) == (1, 29, "enrolled")
    assert row["starts_at"].endswith("+08:00")


def test_a_resident_of_station_b_does_not_see_station_a_residents_only_activities(town, api, lecture):
    assert api(town.resident_b).get(URL).json()["count"] == 0
    assert api(town.resident_b).get(detail(lecture)).status_code == 404
    open_talk = ActivityFactory(site=town.station_a, open_to="all")
    assert [r["id"] for r in api(town.resident_b).get(URL).json()["results"]] == [open_talk.pk]


def test_drafts_are_the_staffs_only(town, api):
    draft = ActivityFactory(site=town.station_a, status="draft")
    assert api(town.resident_a).get(detail(draft)).status_code == 404
    assert api(town.staff_b).get(detail(draft)).status_code == 404
    assert api(town.staff_a).get(detail(draft)).json()["status"] == "draft"
    assert api(town.staff_a).get(URL, {"status": "draft"}).json()["count"] == 1


def test_anonymous_gets_nothing_but_the_feed(town, api, lecture):
    assert api().get(URL).status_code == 401
    assert api().get(detail(lecture)).status_code == 401
    assert api().post(detail(lecture, "enroll/")).status_code == 401
    assert api().get(f"/api/v1/sites/{town.station_a.pk}/calendar.ics").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"site": "²"}, "site"),
        ({"category": "x"}, "category"),
        ({"theme": "1.5"}, "theme"),
        ({"status": "open"}, "status"),
    ],
)
def test_bad_filters_are_field_errors(town, api, params, field):
    answer = api(town.resident_a).get(URL, params)
    assert answer.status_code == 400 and field in answer.json()


def test_filters_by_site_dates_category_theme_and_mine(town, api, lecture):
    theme = ThemeFactory(name="学雷锋月")
    other = ActivityFactory(
        site=town.point_a,
        theme=theme,
        category=Category.objects.get(code="health"),
        starts_at=lecture.starts_at + datetime.timedelta(days=3),
        ends_at=lecture.ends_at + datetime.timedelta(days=3),
    )
    client = api(town.staff_a)
    ids = lambda **p: [r["id"] for r in client.get(URL, p).json()["results"]]  # noqa: E731
    assert ids() == [lecture.pk, other.pk]
    assert ids(site=town.point_a.pk) == [other.pk]
    assert ids(theme=theme.pk) == [other.pk]
    assert ids(category=Category.objects.get(code="health").pk) == [other.pk]
    day = timezone.localdate(lecture.starts_at)
    assert ids(**{"from": day.isoformat(), "to": day.isoformat()}) == [lecture.pk]
    EnrollmentFactory(activity=other, person=town.staff_a)
    assert ids(mine=1) == [other.pk]


@pytest.mark.parametrize("size", [3, 12])
def test_the_list_costs_the_same_queries_at_any_size(town, api, django_assert_num_queries, size):
    for _ in range(size):
        activity = ActivityFactory(site=town.station_a, theme=ThemeFactory())
        EnrollmentFactory(activity=activity, person=town.resident_a, status="waitlisted", position=1)
    client = api(town.resident_a)
    client.get(URL)  # warm the per-process caches (content types, ...)
    with django_assert_num_queries(4):  # count, page, my sign-ups, my places on the waiting lists
        assert client.get(URL).json()["count"] == size


# ---- staff: create, patch, publish, cancel --------------------------------------------------------


def _new(town, **extra):
    start = timezone.localtime() + datetime.timedelta(days=5)
    return {
        "site": town.station_a.pk,
        "title": "重阳节包饺子",
        "category": Category.objects.first().pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
        "capacity": 40,
        **extra,
    }


def test_staff_create_a_draft_and_publish_it(town, api):
    client = api(town.staff_a)
    created = client.post(URL, _new(town), format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    pk = created.json()["id"]
    published = client.post(f"{URL}{pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(f"{URL}{pk}/publish/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_staff_of_another_station_cannot_create_there_nor_edit_nor_see_attendees(town, api, lecture):
    assert api(town.staff_b).post(URL, _new(town), format="json").status_code == 403
    assert api(town.staff_b).patch(detail(lecture), {"title": "x"}, format="json").status_code == 404
    assert api(town.staff_b).get(detail(lecture, "attendees/")).status_code == 404
    open_talk = ActivityFactory(site=town.station_a, open_to="all")
    assert api(town.staff_b).patch(detail(open_talk), {"title": "x"}, format="json").status_code == 403
    assert api(town.staff_b).get(detail(open_talk, "attendees/")).status_code == 403
    assert api(town.staff_b).get(detail(open_talk, "check-in-code/")).status_code == 403
    assert api(town.resident_a).post(URL, _new(town), format="json").status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2020-01-01T00:00:00+08:00"}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"title": ""}, "title"),
        ({"category": 999999}, "category"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"open_to": "town"}, "open_to"),
    ],
)
def test_bad_input_is_a_field_error(town, api, change, field):
    answer = api(town.staff_a).post(URL, _new(town, **change), format="json")
    assert answer.status_code == 400 and field in answer.json()


def test_patch_raises_the_capacity_and_refuses_to_go_below_the_enrolled(town, api, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b = residents_a(2)
    EnrollmentFactory(activity=talk, person=a)
    EnrollmentFactory(activity=talk, person=b, status="waitlisted", position=1)
    client = api(town.staff_a)
    with_zero = client.patch(detail(talk), {"capacity": 0}, format="json")
    assert with_zero.status_code == 400
    raised = client.patch(detail(talk), {"capacity": 2}, format="json")
    assert raised.status_code == 200 and raised.json()["enrolled_count"] == 2
    assert Enrollment.objects.get(activity=talk, person=b).status == "enrolled"
    assert client.put(detail(talk), {"capacity": 3}, format="json").status_code == 405


def test_cancel_needs_a_reason_and_is_refused_twice(town, api, lecture):
    client = api(town.staff_a)
    assert client.post(detail(lecture, "cancel/"), {}, format="json").status_code == 400
    assert client.post(detail(lecture, "cancel/"), {"reason": "暴雨"}, format="json").json()["status"] == "cancelled"
    second = client.post(detail(lecture, "cancel/"), {"reason": "暴雨"}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "invalid_transition"


def test_a_missing_activity_is_404(town, api):
    for path in ("", "enroll/", "attendees/", "check-in-code/"):
        method = "post" if path == "enroll/" else "get"
        assert getattr(api(town.staff_a), method)(f"{URL}999999/{path}").status_code == 404


# ---- sign-up --------------------------------------------------------------------------------------


def test_enrol_then_full_with_a_position_then_the_errors_of_the_contract(town, api, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b = residents_a(2)
    assert api(a).post(detail(talk, "enroll/")).json() == {"status": "enrolled"}
    assert api(b).post(detail(talk, "enroll/")).json() == {"status": "waitlisted", "position": 1}
    twice = api(a).post(detail(talk, "enroll/"))
    assert twice.status_code == 409 and twice.json()["code"] == "already_enrolled"
    assert api(a).post(detail(talk, "withdraw/")).json() == {"status": "withdrawn"}
    assert api(b).get(detail(talk)).json()["my_status"] == "enrolled"


def test_full_without_waitlist_and_closed_and_cancelled_answer_their_codes(town, api, residents_a):
    a, b = residents_a(2)
    full = ActivityFactory(site=town.station_a, capacity=1, waitlist=False)
    api(a).post(detail(full, "enroll/"))
    assert api(b).post(detail(full, "enroll/")).json()["code"] == "activity_full"
    closed = ActivityFactory(site=town.station_a, signup_closes_at=timezone.now() - datetime.timedelta(hours=1))
    assert api(a).post(detail(closed, "enroll/")).json()["code"] == "signup_closed"
    gone = ActivityFactory(site=town.station_a, status="cancelled", cancel_reason="雨")
    assert api(a).post(detail(gone, "enroll/")).json()["code"] == "invalid_transition"


def test_a_grid_worker_signs_up_a_resident_and_a_bad_person_is_a_field_error(town, api, lecture):
    client = api(town.grid_worker_a)
    assert client.post(detail(lecture, "enroll/"), {"person": town.resident_a.pk}, format="json").json() == {
        "status": "enrolled"
    }
    assert client.post(detail(lecture, "enroll/"), {"person": "abc"}, format="json").status_code == 400
    assert client.post(detail(lecture, "enroll/"), {"person": town.resident_b.pk}, format="json").status_code == 403


# ---- check-in -------------------------------------------------------------------------------------


def test_the_door_code_then_check_in_and_again_the_same_answer(town, api, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False):
        door = api(town.staff_a).get(detail(lecture, "check-in-code/")).json()
        assert set(door) >= {"code", "url", "valid_until"} and door["url"].endswith(f"?code={door['code']}")
        first = api(town.resident_a).post(detail(lecture, "check-in/"), {"code": door["code"]}, format="json")
        second = api(town.resident_a).post(detail(lecture, "check-in/"), {"code": door["code"]}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "checked_in"
    assert first.json() == second.json()
    assert api(town.resident_a).get(detail(lecture)).json()["my_status"] == "checked_in"


def test_a_wrong_code_is_400_and_outside_the_window_409(town, api, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    client = api(town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False):
        wrong = client.post(detail(lecture, "check-in/"), {"code": "000000x"}, format="json")
        assert wrong.status_code == 400 and "code" in wrong.json()
        assert client.post(detail(lecture, "check-in/"), {}, format="json").status_code == 400
    early = lecture.starts_at - datetime.timedelta(hours=1)
    with time_machine.travel(early, tick=False):
        code = checkin.current_code(lecture.pk)[0]
        closed = client.post(detail(lecture, "check-in/"), {"code": code}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "check_in_closed"


def test_staff_check_in_a_person_and_the_attendee_list_shows_it(town, api, lecture, residents_a):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    (waiting,) = residents_a(1)
    EnrollmentFactory(activity=lecture, person=waiting, status="waitlisted", position=4)
    with time_machine.travel(lecture.starts_at, tick=False):
        done = api(town.staff_a).post(detail(lecture, "check-in/"), {"person": town.resident_a.pk}, format="json")
        assert done.status_code == 200
        refused = api(town.resident_a2).post(
            detail(lecture, "check-in/"), {"person": town.resident_a.pk}, format="json"
        )
        assert refused.status_code == 403
    rows = api(town.staff_a).get(detail(lecture, "attendees/")).json()
    assert [(r["person"], r["status"], r["position"], r["checked_in_at"] is not None) for r in rows] == [
        (town.resident_a.pk, "enrolled", None, True),
        (waiting.pk, "waitlisted", 1, False),
    ]


# ---- the public feed ------------------------------------------------------------------------------


def test_the_site_feed_parses_with_local_times_stable_uids_cancelled_marked_and_no_personal_data(town, api, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    gone = ActivityFactory(site=town.point_a, status="cancelled", cancel_reason="雨")
    ActivityFactory(site=town.station_a, status="draft", title="草稿活动")
    ActivityFactory(site=town.station_b, title="和平村活动")
    url = f"/api/v1/sites/{town.station_a.pk}/calendar.ics"
    answer = api().get(url)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    body = answer.content.decode()
    cal = Calendar.from_ical(answer.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {lecture.title, gone.title}
    start = events[lecture.title].decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Shanghai" and start == lecture.starts_at
    assert start.hour == timezone.localtime(lecture.starts_at).hour == 9
    assert "TZID=Asia/Shanghai" in body and "BEGIN:VTIMEZONE" in body
    assert str(events[gone.title]["status"]) == "CANCELLED"
    assert str(events[lecture.title]["uid"]) == f"activity-{lecture.pk}@testserver"
    assert api().get(url).content.count(f"activity-{lecture.pk}@".encode()) == 1
    for personal in (town.resident_a.display_name, town.resident_a.phone, town.resident_a.username):
        assert personal not in body


def test_the_feed_of_a_missing_site_is_404(api):
    assert api().get("/api/v1/sites/999999/calendar.ics").status_code == 404


@pytest.mark.parametrize("size", [2, 10])
def test_the_feed_costs_the_same_queries_at_any_size(town, api, django_assert_num_queries, size):
    for _ in range(size):
        ActivityFactory(site=town.station_a)
    with django_assert_num_queries(3):  # the site, the feed's version, the activities
        assert api().get(f"/api/v1/sites/{town.station_a.pk}/calendar.ics").status_code == 200
    with django_assert_num_queries(2):  # unchanged: built once, then from the cache
        assert api().get(f"/api/v1/sites/{town.station_a.pk}/calendar.ics").status_code == 200


def test_a_changed_activity_shows_in_the_feed_at_once(town, api, lecture):
    url = f"/api/v1/sites/{town.station_a.pk}/calendar.ics"
    assert b"STATUS:CONFIRMED" in api().get(url).content
    from activities.sessions import services

    services.activity_cancel(activity=lecture, actor=town.staff_a, reason="雨")
    assert b"STATUS:CANCELLED" in api().get(url).content


def test_an_activity_row_lists_under_its_site(town, lecture):
    assert Activity.objects.filter(site=town.station_a).count() == 1


def test_a_repeated_sign_up_with_the_same_idempotency_key_answers_the_first_result(town, lecture, login):
    from rest_framework.test import APIClient

    client = login(town.resident_a, client=APIClient())
    first = client.post(detail(lecture, "enroll/"), HTTP_IDEMPOTENCY_KEY="8c1f-sign-up")
    again = client.post(detail(lecture, "enroll/"), HTTP_IDEMPOTENCY_KEY="8c1f-sign-up")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"status": "enrolled"}
    assert Enrollment.objects.filter(activity=lecture).count() == 1
    assert client.post(detail(lecture, "enroll/")).json()["code"] == "already_enrolled"
