"""/api/v1/notifications/: each person sees and marks only their own notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice_center.models import Notification

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
READ_ALL = "/api/v1/notifications/read-all/"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def read_url(pk: int) -> str:
    return f"/api/v1/notifications/{pk}/read/"


def note(user, n=0, *, read=False, **data):
    return Notification.objects.create(
        recipient=user,
        kind="message",
        data={"title": f"标题{n}", "body": f"内容{n}", **data},
        url=f"/activities/orders/{n}/",
        created_at=T0 + dt.timedelta(minutes=n),
        read_at=T0 + dt.timedelta(days=1) if read else None,
    )


# --- GET /notifications/ ---------------------------------------------------------------------
def test_a_resident_lists_their_own_notifications_newest_first(town, api):
    older, newer = note(town.resident_a, 1), note(town.resident_a, 2, read=True)
    note(town.resident_b, 3)
    response = api(town.resident_a).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert first["title"] == "标题2"
    assert first["body"] == "内容2"
    assert first["url"] == "/activities/orders/2/"
    assert first["kind"] == "message"
    assert first["unread"] is False
    assert first["read_at"].startswith("2026-05-05T17:00:00+08:00")


def test_unread_1_lists_only_unread_notifications(town, api):
    unread = note(town.resident_a, 1)
    note(town.resident_a, 2, read=True)
    body = api(town.resident_a).get(LIST, {"unread": "1"}).json()
    assert [r["id"] for r in body["results"]] == [unread.pk]
    assert api(town.resident_a).get(LIST, {"unread": "0"}).json()["count"] == 2


def test_a_bad_unread_value_is_a_400_with_a_field_message(town, api):
    response = api(town.resident_a).get(LIST, {"unread": "maybe"})
    assert response.status_code == 400
    assert "unread" in response.json()


def test_staff_do_not_see_the_notifications_of_residents_they_manage(town, api):
    note(town.resident_a, 1)
    assert api(town.staff_a).get(LIST).json()["count"] == 0
    assert api(town.admin).get(LIST).json()["count"] == 0


def test_anonymous_callers_get_401_from_the_list(town, api):
    assert api().get(LIST).status_code == 401


def test_someone_elses_notification_is_404(town, api):
    other = note(town.resident_b, 1)
    assert api(town.resident_a).get(f"{LIST}{other.pk}/").status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_takes_the_same_two_queries_whatever_the_size(town, api, django_assert_num_queries, size):
    for n in range(size):
        note(town.resident_a, n, read=n % 2 == 0)
    client = api(town.resident_a)
    with django_assert_num_queries(2):  # COUNT for the page, then the page itself
        response = client.get(LIST, {"page_size": 100})
    assert response.json()["count"] == size


# --- POST /notifications/{id}/read/ -----------------------------------------------------------
def test_a_resident_marks_their_notification_read(town, api):
    mine = note(town.resident_a, 1)
    response = api(town.resident_a).post(read_url(mine.pk))
    assert response.status_code == 200
    assert response.json()["unread"] is False
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_marking_read_twice_is_fine_and_keeps_the_first_time(town, api):
    mine = note(town.resident_a, 1)
    first = api(town.resident_a).post(read_url(mine.pk)).json()["read_at"]
    second = api(town.resident_a).post(read_url(mine.pk))
    assert second.status_code == 200
    assert second.json()["read_at"] == first


def test_marking_someone_elses_notification_read_is_404_and_changes_nothing(town, api):
    other = note(town.resident_b, 1)
    assert api(town.resident_a).post(read_url(other.pk)).status_code == 404
    assert api(town.staff_b).post(read_url(other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_a_missing_notification_read_is_404(town, api):
    assert api(town.resident_a).post(read_url(999999)).status_code == 404


def test_anonymous_callers_cannot_mark_read(town, api):
    mine = note(town.resident_a, 1)
    assert api().post(read_url(mine.pk)).status_code == 401


def test_a_body_sent_with_read_is_ignored(town, api):
    mine = note(town.resident_a, 1)
    response = api(town.resident_a).post(read_url(mine.pk), {"read_at": "not a date", "recipient": 1})
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.recipient == town.resident_a


# --- POST /notifications/read-all/ --------------------------------------------------------------
def test_read_all_marks_only_the_callers_unread_notifications(town, api):
    note(town.resident_a, 1)
    note(town.resident_a, 2)
    note(town.resident_a, 3, read=True)
    theirs = note(town.resident_b, 4)
    response = api(town.resident_a).post(READ_ALL)
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert api(town.resident_a).post(READ_ALL).json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_callers_cannot_read_all(town, api):
    assert api().post(READ_ALL).status_code == 401


def test_read_all_with_get_is_405(town, api):
    assert api(town.resident_a).get(READ_ALL).status_code == 405


def test_read_all_is_one_update_query(town, api):
    for n in range(5):
        note(town.resident_a, n)
    client = api(town.resident_a)
    with CaptureQueriesContext(connection) as queries:
        client.post(READ_ALL)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
