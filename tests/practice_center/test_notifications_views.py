"""The inbox page /notifications/ and the unread badge in the header."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice_center.models import Notification

pytestmark = pytest.mark.django_db

INBOX = "/notifications/"
READ_ALL = "/notifications/read-all/"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def note(user, n=0, *, read=False, url=None):
    return Notification.objects.create(
        recipient=user,
        kind="message",
        data={"title": f"标题{n}", "body": f"内容{n}"},
        url=f"/activities/orders/{n}/" if url is None else url,
        created_at=T0 + dt.timedelta(minutes=n),
        read_at=T0 + dt.timedelta(days=1) if read else None,
    )


def read_url(pk: int) -> str:
    return f"/notifications/{pk}/read/"


def notification_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "practice_center_notification" in q["sql"]]


@pytest.fixture
def resident(town, login):
    return login(town.resident_a)


def test_anonymous_visitors_are_sent_to_log_in(client, town):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_inbox_lists_the_persons_notifications_newest_first_with_unread_highlighted(resident, town):
    note(town.resident_a, 1, read=True)
    note(town.resident_a, 2)
    note(town.resident_b, 3)
    response = resident.get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("标题2") < html.index("标题1")
    assert "标题3" not in html
    assert html.count('class="card notification unread"') == 1
    assert "全部标为已读" in html  # Chinese by default
    assert [n.pk for n in response.context["notifications"]][0] == Notification.objects.get(data__title="标题2").pk


def test_an_empty_inbox_says_so(resident, town):
    html = resident.get(INBOX).content.decode()
    assert "还没有消息" in html
    assert "全部标为已读" not in html


def test_the_inbox_pages_by_twenty_and_a_bad_page_number_shows_the_first(resident, town):
    for n in range(25):
        note(town.resident_a, n)
    first = [n.pk for n in resident.get(INBOX).context["notifications"]]
    assert len(first) == 20
    assert len(resident.get(INBOX, {"page": "2"}).context["notifications"]) == 5
    bad = resident.get(INBOX, {"page": "x'; DROP"})
    assert bad.status_code == 200
    assert [n.pk for n in bad.context["notifications"]] == first


@pytest.mark.parametrize("size", [2, 30])
def test_the_inbox_reads_notifications_in_three_queries_whatever_the_size(resident, town, size):
    for n in range(size):
        note(town.resident_a, n, read=n % 3 == 0)
    with CaptureQueriesContext(connection) as queries:
        response = resident.get(INBOX)
    assert response.status_code == 200
    # The page count, the page itself, and one unread COUNT shared by the badge and the heading.
    assert len(notification_queries(queries.captured_queries)) == 3


def test_the_inbox_query_count_does_not_grow_with_the_data(client, town, login):
    counts = []
    for size in (2, 30):
        Notification.objects.all().delete()
        for n in range(size):
            note(town.resident_a, n)
        login(town.resident_a)
        with CaptureQueriesContext(connection) as queries:
            client.get(INBOX)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_header_badge_shows_the_unread_count_on_every_page_with_one_count_query(resident, town):
    note(town.resident_a, 1)
    note(town.resident_a, 2)
    note(town.resident_a, 3, read=True)
    with CaptureQueriesContext(connection) as queries:
        html = resident.get("/").content.decode()
    assert 'class="badge unread-count">2<' in html
    assert len(notification_queries(queries.captured_queries)) == 1


def test_the_header_badge_hides_when_everything_is_read(resident, town):
    note(town.resident_a, 1, read=True)
    html = resident.get("/").content.decode()
    assert "inbox-link" in html
    assert "unread-count" not in html


def test_marking_one_read_returns_to_the_same_inbox_page(resident, town):
    mine = note(town.resident_a, 1)
    response = resident.post(read_url(mine.pk), {"page": "2"})
    assert response.status_code == 302
    assert response.url == "/notifications/?page=2"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_open_marks_read_and_goes_to_the_item(resident, town):
    mine = note(town.resident_a, 1)
    response = resident.post(read_url(mine.pk), {"open": "1"})
    assert response.status_code == 302
    assert response.url == "/activities/orders/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_open_never_redirects_off_the_site(resident, town):
    mine = note(town.resident_a, 1, url="https://evil.example.com/")
    response = resident.post(read_url(mine.pk), {"open": "1", "page": "<script>"})
    assert response.url == "/notifications/"


def test_someone_elses_notification_is_404_on_the_page_too(resident, town):
    theirs = note(town.resident_b, 1)
    assert resident.post(read_url(theirs.pk)).status_code == 404
    assert resident.post(read_url(999999)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(resident, town):
    mine = note(town.resident_a, 1)
    assert resident.get(read_url(mine.pk)).status_code == 405
    assert resident.get(READ_ALL).status_code == 405


def test_anonymous_visitors_cannot_mark_read(client, town):
    mine = note(town.resident_a, 1)
    response = client.post(read_url(mine.pk))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_marks_only_ones_own_and_says_so(resident, town):
    note(town.resident_a, 1)
    theirs = note(town.resident_b, 2)
    response = resident.post(READ_ALL, follow=True)
    assert "所有消息已标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=town.resident_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_speaks_english_when_the_reader_chose_it(client, town, login):
    login(town.resident_a)
    client.cookies["django_language"] = "en"
    note(town.resident_a, 1)
    html = client.get(INBOX).content.decode()
    assert "Mark all as read" in html
    assert "You have 1 unread notification." in html
