"""The activity pages: residents find, sign up and check in; staff run the activity."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Enrollment
from activities.sessions import checkin
from tests.activities.sessions.factories import ActivityFactory, EnrollmentFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"activities:{name}", args=args)


def test_anonymous_is_sent_to_log_in_everywhere(client, lecture):
    for name, args in [
        ("session_calendar", ()),
        ("session_detail", (lecture.pk,)),
        ("my_sessions", ()),
        ("session_check_in", (lecture.pk,)),
        ("session_attendees", (lecture.pk,)),
        ("session_door", (lecture.pk,)),
        ("session_ics", (lecture.pk,)),
    ]:
        answer = client.get(url(name, *args))
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_calendar_shows_this_months_activities_with_seats_and_theme(town, login):
    theme = ThemeFactory(name="学雷锋月", colour="#D4351C")
    today = timezone.localtime()
    start = today.replace(hour=23, minute=0, second=0, microsecond=0)
    if start <= today:
        start += datetime.timedelta(minutes=30)
    ActivityFactory(
        site=town.station_a,
        title="义务理发",
        theme=theme,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=50),
    )
    page = login(town.resident_a).get(url("session_calendar"))
    body = page.content.decode()
    assert page.status_code == 200 and "义务理发" in body and "学雷锋月" in body and "#D4351C" in body
    filtered = login(town.resident_a).get(url("session_calendar"), {"theme": theme.pk + 1})
    assert "义务理发" not in filtered.content.decode()


@pytest.mark.parametrize(
    "params", [{"month": "abc"}, {"month": "9999-99"}, {"site": "²"}, {"category": "x"}, {"theme": "-1"}]
)
def test_odd_calendar_parameters_never_break_the_page(town, login, params):
    assert login(town.resident_a).get(url("session_calendar"), params).status_code == 200


@pytest.mark.parametrize("size", [2, 8])
def test_the_calendar_costs_the_same_queries_at_any_size(town, login, django_assert_num_queries, size):
    start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=40)
    for i in range(size):
        activity = ActivityFactory(
            site=town.station_a, theme=ThemeFactory(), starts_at=start + datetime.timedelta(days=i % 20)
        )
        EnrollmentFactory(activity=activity, person=town.resident_a, status="waitlisted", position=1)
    client = login(town.resident_a)
    month = start.strftime("%Y-%m")
    client.get(url("session_calendar"), {"month": month})
    with django_assert_num_queries(13):
        page = client.get(url("session_calendar"), {"month": month})
    assert page.content.decode().count("session-card") == size


def test_a_resident_signs_up_from_the_detail_page_and_sees_the_status(town, login, lecture):
    client = login(town.resident_a)
    page = client.get(url("session_detail", lecture.pk)).content.decode()
    assert "30" in page and 'class="signup block"' in page
    answer = client.post(url("session_enroll", lecture.pk), follow=True)
    assert Enrollment.objects.get(activity=lecture, person=town.resident_a).status == "enrolled"
    assert "signup block" not in answer.content.decode()
    client.post(url("session_withdraw", lecture.pk))
    assert Enrollment.objects.get(activity=lecture, person=town.resident_a).status == "withdrawn"


def test_the_waiting_position_shows_on_my_activities(town, login, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1, title="满员讲座")
    (first,) = residents_a(1)
    EnrollmentFactory(activity=talk, person=first)
    client = login(town.resident_a)
    client.post(url("session_enroll", talk.pk))
    page = client.get(url("my_sessions")).content.decode()
    assert "满员讲座" in page and "1" in page
    assert Enrollment.objects.get(activity=talk, person=town.resident_a).position == 1


def test_a_resident_of_station_b_cannot_open_or_sign_up_for_a_residents_only_activity(town, login, lecture):
    client = login(town.resident_b)
    assert client.get(url("session_detail", lecture.pk)).status_code == 404
    assert client.post(url("session_enroll", lecture.pk)).status_code == 404
    assert not Enrollment.objects.exists()


def test_the_qr_url_checks_the_resident_in_and_a_second_scan_answers_the_same(town, login, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False):
        code = checkin.current_code(lecture.pk)[0]
        client = login(town.resident_a)
        page = client.get(url("session_check_in", lecture.pk), {"code": code})
        assert page.status_code == 200 and "check-in-form" in page.content.decode()
        done = client.post(url("session_check_in", lecture.pk), {"code": code})
        again = client.post(url("session_check_in", lecture.pk), {"code": code})
        wrong = client.post(url("session_check_in", lecture.pk), {"code": "999999" if code != "999999" else "000000"})
    assert 'id="checked-in"' in done.content.decode() and 'id="checked-in"' in again.content.decode()
    assert wrong.status_code == 400
    assert Enrollment.objects.get(activity=lecture, person=town.resident_a).checked_in_at is not None


def test_staff_create_publish_and_cancel_through_the_pages(town, login, law=None):
    from activities.models import Category

    client = login(town.staff_a)
    start = (timezone.localtime() + datetime.timedelta(days=4)).replace(hour=14, minute=0, second=0, microsecond=0)
    form = {
        "site": town.station_a.pk,
        "title": "我们的节日·重阳 包饺子",
        "category": Category.objects.first().pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "waitlist": "on",
        "open_to": "station",
        "place": "多功能活动室",
    }
    assert client.get(url("session_new")).status_code == 200
    created = client.post(url("session_new"), form)
    activity = Activity.objects.get(title=form["title"])
    assert created.status_code == 302 and activity.status == "draft"
    assert timezone.localtime(activity.starts_at).hour == 14
    client.post(url("session_action", activity.pk, "publish"))
    assert Activity.objects.get(pk=activity.pk).status == "published"
    client.post(url("session_edit", activity.pk), {**form, "capacity": "25"})
    assert Activity.objects.get(pk=activity.pk).capacity == 25
    client.post(url("session_action", activity.pk, "cancel"), {"reason": "场地维修"})
    assert Activity.objects.get(pk=activity.pk).cancel_reason == "场地维修"
    assert client.post(url("session_action", activity.pk, "explode")).status_code == 404


def test_a_bad_form_shows_field_errors_not_a_500(town, login):
    client = login(town.staff_a)
    answer = client.post(url("session_new"), {"site": town.station_a.pk, "title": "", "starts_at": "x"})
    assert answer.status_code == 200 and "has-error" in answer.content.decode()


def test_staff_of_station_b_cannot_edit_a_or_see_its_attendees(town, login, lecture):
    client = login(town.staff_b)
    for name in ("session_edit", "session_attendees", "session_door", "session_sign_in_sheet", "session_summary"):
        assert client.get(url(name, lecture.pk)).status_code == 404
    open_talk = ActivityFactory(site=town.station_a, open_to="all")
    for name in ("session_edit", "session_attendees", "session_door", "session_sign_in_sheet", "session_summary"):
        assert client.get(url(name, open_talk.pk)).status_code == 403
    assert client.post(url("session_action", open_talk.pk, "cancel"), {"reason": "x"}).status_code == 403
    assert client.get(url("session_manage")).status_code == 200
    assert "session_detail" not in client.get(url("session_manage")).content.decode()
    assert login(town.resident_a).get(url("session_manage")).status_code == 403


@pytest.mark.parametrize("size", [2, 9])
def test_the_attendee_list_costs_the_same_queries_at_any_size(
    town, login, lecture, residents_a, django_assert_num_queries, size
):
    people = residents_a(size)
    for i, person in enumerate(people):
        EnrollmentFactory(
            activity=lecture,
            person=person,
            signed_up_by=town.grid_worker_a,
            status="waitlisted" if i % 2 else "enrolled",
            position=i if i % 2 else None,
        )
    client = login(town.staff_a)
    client.get(url("session_attendees", lecture.pk))
    with django_assert_num_queries(8):
        page = client.get(url("session_attendees", lecture.pk))
    assert page.content.decode().count("<tr>") == size + 1


def test_staff_check_in_from_the_list_and_by_phone(town, login, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    EnrollmentFactory(activity=lecture, person=town.resident_a2)
    client = login(town.staff_a)
    with time_machine.travel(lecture.starts_at, tick=False):
        client.post(url("session_attendees", lecture.pk), {"person": town.resident_a.pk})
        client.post(url("session_attendees", lecture.pk), {"phone": town.resident_a2.phone})
        unknown = client.post(url("session_attendees", lecture.pk), {"phone": "13900000000"}, follow=True)
    assert Enrollment.objects.filter(activity=lecture, checked_in_at__isnull=False).count() == 2
    assert unknown.status_code == 200


def test_the_attendee_export_in_excel_and_csv(town, login, lecture):
    from openpyxl import load_workbook

    EnrollmentFactory(activity=lecture, person=town.resident_a)
    client = login(town.staff_a)
    csv = client.get(url("session_attendees", lecture.pk), {"format": "csv"})
    assert csv.status_code == 200 and town.resident_a.display_name in csv.content.decode("utf-8-sig")
    xlsx = client.get(url("session_attendees", lecture.pk), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert any(town.resident_a.display_name == cell.value for row in sheet.iter_rows() for cell in row)


def test_the_sign_in_sheet_and_the_door_page(town, login, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    client = login(town.staff_a)
    sheet = client.get(url("session_sign_in_sheet", lecture.pk)).content.decode()
    assert town.resident_a.display_name in sheet and "@page" not in sheet
    closed = client.get(url("session_door", lecture.pk)).content.decode()
    assert "<svg" not in closed and 'http-equiv="refresh"' in closed
    with time_machine.travel(lecture.starts_at, tick=False):
        door = client.get(url("session_door", lecture.pk)).content.decode()
        code = checkin.current_code(lecture.pk)[0]
    assert "<svg" in door and f"?code={code}" in door and code in door


def test_the_single_event_ics_is_a_download(town, login, lecture):
    answer = login(town.resident_a).get(url("session_ics", lecture.pk))
    assert answer.status_code == 200 and b"BEGIN:VEVENT" in answer.content


def test_the_summary_page_saves_text_and_photos_that_phones_get_small(town, login, lecture, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    client = login(town.staff_a)
    client.post(url("session_summary", lecture.pk), {"summary": "到场30人"})
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (10, 120, 40)).save(buffer, format="JPEG")
    buffer.name = "photo.jpg"
    buffer.seek(0)
    client.post(url("session_summary", lecture.pk), {"image": buffer, "caption": "合影"})
    bad = io.BytesIO(b"nope")
    bad.name = "bad.jpg"
    refused = client.post(url("session_summary", lecture.pk), {"image": bad, "caption": ""})
    assert refused.status_code == 200 and "has-error" in refused.content.decode()
    photo = Activity.objects.get(pk=lecture.pk).photos.get()
    assert Activity.objects.get(pk=lecture.pk).summary == "到场30人"
    served = login(town.resident_a).get(url("session_photo", lecture.pk, photo.pk))
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as sent:
        assert max(sent.size) == 960


def test_a_huge_photo_on_the_summary_page_is_a_field_error(town, login, lecture, settings, tmp_path):
    from tests.pictures import huge_png

    settings.MEDIA_ROOT = tmp_path
    bomb = io.BytesIO(huge_png())
    bomb.name = "bomb.png"
    refused = login(town.staff_a).post(url("session_summary", lecture.pk), {"image": bomb, "caption": ""})
    page = refused.content.decode()
    assert refused.status_code == 200 and "has-error" in page and "40,000,000" in page
    assert not Activity.objects.get(pk=lecture.pk).photos.exists()


def test_the_home_page_shows_this_weeks_activities(town, login):
    soon = timezone.now() + datetime.timedelta(days=2)
    ActivityFactory(
        site=town.station_a, title="本周电影放映", starts_at=soon, ends_at=soon + datetime.timedelta(hours=2)
    )
    later = timezone.now() + datetime.timedelta(days=20)
    ActivityFactory(site=town.station_a, title="下月讲座", starts_at=later, ends_at=later + datetime.timedelta(hours=2))
    page = login(town.resident_a).get("/").content.decode()
    assert "本周电影放映" in page and "下月讲座" not in page
