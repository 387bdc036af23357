"""Scheduled activities, as worked examples: sign-up, the waiting list, check-in, cancel, reminders."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from activities.models import Activity, ActivityEvent, ActivityStatus, Category, Enrollment, EnrollmentStatus
from activities.sessions import checkin, services
from activities.sessions.exceptions import (
    ActivityFull,
    AlreadyEnrolled,
    CheckInClosed,
    InvalidTransition,
    NotEnrolled,
    SignupClosed,
    TooManyNoShows,
)
from practice_center.exceptions import NotAllowed
from practice_center.models import AuditEvent, Notification
from tests.activities.sessions.factories import ActivityFactory, EnrollmentFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def status_of(activity, person):
    return Enrollment.objects.get(activity=activity, person=person)


def told(person, kind):
    return Notification.objects.filter(recipient=person, kind=kind)


# ---- creating and the status machine --------------------------------------------------------------


def test_staff_create_a_draft_with_an_event_and_an_audit_row(town):
    start = timezone.now() + datetime.timedelta(days=3)
    activity = services.activity_create(
        actor=town.staff_a,
        site=town.station_a,
        title="  重阳节敬老活动 ",
        category=Category.objects.get(code="law"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=50,
        theme=ThemeFactory(name="我们的节日·重阳"),
    )
    assert activity.status == "draft" and activity.title == "重阳节敬老活动"
    assert ActivityEvent.objects.filter(activity=activity, action="create").count() == 1
    assert AuditEvent.objects.filter(action="activity.create", object_id=str(activity.pk)).exists()


def test_staff_of_another_station_cannot_create_there(town):
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(NotAllowed):
        services.activity_create(
            actor=town.staff_b,
            site=town.station_a,
            title="x",
            category=Category.objects.first(),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )


def test_an_end_before_the_start_is_a_field_error(town):
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=town.staff_a,
            site=town.station_a,
            title="x",
            category=Category.objects.first(),
            starts_at=start,
            ends_at=start - datetime.timedelta(hours=1),
        )
    assert "ends_at" in caught.value.message_dict


@pytest.mark.parametrize(
    ("action", "allowed_from"),
    [("publish", {"draft"}), ("cancel", {"draft", "published"}), ("finish", {"published"})],
)
def test_each_move_is_allowed_from_its_statuses_and_refused_from_the_others(town, action, allowed_from):
    for status in ["draft", "published", "finished", "cancelled"]:
        activity = ActivityFactory(
            site=town.station_a,
            status=status,
            cancel_reason="雨天" if status == "cancelled" else "",
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            ends_at=timezone.now() + datetime.timedelta(hours=1),
        )
        kwargs = {"activity": activity, "actor": town.staff_a}
        if action == "cancel":
            kwargs["reason"] = "下雨"
        call = getattr(services, f"activity_{action}")
        if status in allowed_from:
            assert call(**kwargs).status != status
        else:
            with pytest.raises(InvalidTransition):
                call(**kwargs)


def test_staff_of_another_station_cannot_publish_or_cancel(town):
    draft = ActivityFactory(site=town.station_a, status="draft")
    with pytest.raises(NotAllowed):
        services.activity_publish(activity=draft, actor=town.staff_b)
    with pytest.raises(NotAllowed):
        services.activity_cancel(activity=draft, actor=town.staff_b, reason="x")
    with pytest.raises(NotAllowed):
        services.activity_update(activity=draft, actor=town.staff_b, title="改")


def test_cancel_needs_a_reason(town, lecture):
    with pytest.raises(ValidationError):
        services.activity_cancel(activity=lecture, actor=town.staff_a, reason="  ")
    assert Activity.objects.get(pk=lecture.pk).status == "published"


def test_a_finished_activity_cannot_be_edited(town):
    done = ActivityFactory(site=town.station_a, status="finished")
    with pytest.raises(InvalidTransition):
        services.activity_update(activity=done, actor=town.staff_a, title="改")


# ---- sign-up: the worked example --------------------------------------------------------------------


def test_enrol_fill_waitlist_withdraw_and_the_first_waiting_moves_up_and_is_told(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=2)
    a, b, c, d = residents_a(4)
    assert services.enrollment_create(activity=talk, person=a, actor=a).status == "enrolled"
    assert services.enrollment_create(activity=talk, person=b, actor=b).status == "enrolled"
    third = services.enrollment_create(activity=talk, person=c, actor=c)
    fourth = services.enrollment_create(activity=talk, person=d, actor=d)
    assert (third.status, services.waitlist_rank(third)) == ("waitlisted", 1)
    assert (fourth.status, services.waitlist_rank(fourth)) == ("waitlisted", 2)

    services.enrollment_withdraw(activity=talk, person=a, actor=a)

    assert status_of(talk, a).status == "withdrawn"
    assert status_of(talk, c).status == "enrolled" and status_of(talk, c).position is None
    assert services.waitlist_rank(status_of(talk, d)) == 1
    assert told(c, "activity_promoted").count() == 1 and not told(d, "activity_promoted").exists()
    assert AuditEvent.objects.filter(action="enrollment.promote", object_id=str(status_of(talk, c).pk)).exists()
    assert AuditEvent.objects.filter(action="enrollment.withdraw").count() == 1


def test_withdrawing_from_the_waiting_list_promotes_nobody(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b, c = residents_a(3)
    for person in (a, b, c):
        services.enrollment_create(activity=talk, person=person, actor=person)
    services.enrollment_withdraw(activity=talk, person=b, actor=b)
    assert [status_of(talk, p).status for p in (a, b, c)] == ["enrolled", "withdrawn", "waitlisted"]
    assert services.waitlist_rank(status_of(talk, c)) == 1


def test_withdrawing_twice_answers_the_same_and_promotes_once(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b, c = residents_a(3)
    for person in (a, b, c):
        services.enrollment_create(activity=talk, person=person, actor=person)
    services.enrollment_withdraw(activity=talk, person=a, actor=a)
    again = services.enrollment_withdraw(activity=talk, person=a, actor=a)
    assert again.status == "withdrawn"
    assert [status_of(talk, p).status for p in (b, c)] == ["enrolled", "waitlisted"]


def test_signing_up_again_after_withdrawing_reuses_the_row_at_the_back_of_the_queue(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b = residents_a(2)
    services.enrollment_create(activity=talk, person=a, actor=a)
    services.enrollment_create(activity=talk, person=b, actor=b)
    services.enrollment_withdraw(activity=talk, person=a, actor=a)
    back = services.enrollment_create(activity=talk, person=a, actor=a)
    assert back.status == "waitlisted" and Enrollment.objects.filter(activity=talk, person=a).count() == 1


def test_enrolling_twice_is_refused_already_enrolled(town, lecture):
    services.enrollment_create(activity=lecture, person=town.resident_a, actor=town.resident_a)
    with pytest.raises(AlreadyEnrolled):
        services.enrollment_create(activity=lecture, person=town.resident_a, actor=town.resident_a)
    assert Enrollment.objects.filter(activity=lecture).count() == 1


def test_full_without_a_waiting_list_is_refused_activity_full(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1, waitlist=False)
    a, b = residents_a(2)
    services.enrollment_create(activity=talk, person=a, actor=a)
    with pytest.raises(ActivityFull):
        services.enrollment_create(activity=talk, person=b, actor=b)


def test_unlimited_seats_never_waitlist(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=None)
    for person in residents_a(5):
        assert services.enrollment_create(activity=talk, person=person, actor=person).status == "enrolled"


def test_sign_up_closes_at_the_start_by_default_and_at_the_set_time(town):
    talk = ActivityFactory(site=town.station_a)
    with time_machine.travel(talk.starts_at, tick=False), pytest.raises(SignupClosed):
        services.enrollment_create(activity=talk, person=town.resident_a, actor=town.resident_a)
    early = ActivityFactory(site=town.station_a, signup_closes_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(SignupClosed):
        services.enrollment_create(activity=early, person=town.resident_a, actor=town.resident_a)


@pytest.mark.parametrize("status", ["draft", "finished", "cancelled"])
def test_only_a_published_activity_takes_sign_ups(town, status):
    talk = ActivityFactory(site=town.station_a, status=status, cancel_reason="x" if status == "cancelled" else "")
    with pytest.raises(InvalidTransition):
        services.enrollment_create(activity=talk, person=town.resident_a, actor=town.resident_a)


def test_a_resident_of_station_b_cannot_sign_up_for_station_a_residents_only(town, lecture):
    with pytest.raises(NotAllowed):
        services.enrollment_create(activity=lecture, person=town.resident_b, actor=town.resident_b)
    open_talk = ActivityFactory(site=town.station_a, open_to="all")
    assert services.enrollment_create(activity=open_talk, person=town.resident_b, actor=town.resident_b)


def test_an_activity_of_the_institute_takes_residents_of_the_stations_under_it(town):
    talk = ActivityFactory(site=town.institute)
    assert services.enrollment_create(activity=talk, person=town.resident_b, actor=town.resident_b)


def test_a_grid_worker_signs_up_a_resident_of_the_grid_who_is_told(town, lecture):
    enrollment = services.enrollment_create(activity=lecture, person=town.resident_a, actor=town.grid_worker_a)
    assert enrollment.signed_up_by == town.grid_worker_a
    assert told(town.resident_a, "activity_signed_up_for_you").count() == 1


def test_a_grid_worker_cannot_sign_up_someone_of_another_grid(town):
    talk = ActivityFactory(site=town.institute)
    with pytest.raises(NotAllowed):
        services.enrollment_create(activity=talk, person=town.resident_b, actor=town.grid_worker_a)


def test_a_resident_cannot_sign_up_a_neighbour(town, lecture):
    with pytest.raises(NotAllowed):
        services.enrollment_create(activity=lecture, person=town.resident_a2, actor=town.resident_a)


# ---- capacity ----------------------------------------------------------------------------------


def test_raising_the_capacity_moves_the_waiting_list_up_in_order(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b, c, d = residents_a(4)
    for person in (a, b, c, d):
        services.enrollment_create(activity=talk, person=person, actor=person)
    services.activity_update(activity=talk, actor=town.staff_a, capacity=3)
    assert [status_of(talk, p).status for p in (a, b, c, d)] == ["enrolled", "enrolled", "enrolled", "waitlisted"]
    assert told(b, "activity_promoted").exists() and told(c, "activity_promoted").exists()
    assert AuditEvent.objects.filter(action="activity.capacity", object_id=str(talk.pk)).exists()


def test_the_capacity_cannot_go_below_those_enrolled(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=3)
    for person in residents_a(3):
        services.enrollment_create(activity=talk, person=person, actor=person)
    with pytest.raises(ValidationError) as caught:
        services.activity_update(activity=talk, actor=town.staff_a, capacity=2)
    assert "capacity" in caught.value.message_dict
    assert Activity.objects.get(pk=talk.pk).capacity == 3


# ---- cancel -------------------------------------------------------------------------------------


def test_cancel_tells_everyone_enrolled_or_waiting_but_not_the_withdrawn(town, residents_a):
    talk = ActivityFactory(site=town.station_a, capacity=1)
    a, b, c = residents_a(3)
    for person in (a, b, c):
        services.enrollment_create(activity=talk, person=person, actor=person)
    services.enrollment_withdraw(activity=talk, person=c, actor=c)
    services.activity_cancel(activity=talk, actor=town.staff_a, reason="台风预警")
    assert told(a, "activity_cancelled").count() == 1 and told(b, "activity_cancelled").count() == 1
    assert not told(c, "activity_cancelled").exists()
    assert "台风预警" in told(a, "activity_cancelled").get().data["reason"]
    event = ActivityEvent.objects.get(activity=talk, action="cancel")
    assert (event.from_status, event.to_status, event.data["reason"]) == ("published", "cancelled", "台风预警")
    assert AuditEvent.objects.filter(action="activity.cancel", object_id=str(talk.pk)).exists()


# ---- check-in -----------------------------------------------------------------------------------


def _code(activity, at):
    return checkin.current_code(activity.pk, at=at)[0]


@pytest.mark.parametrize(
    ("where", "offset", "opens"),
    [
        ("before", -datetime.timedelta(minutes=30, seconds=1), False),
        ("first second", -datetime.timedelta(minutes=30), True),
        ("last second", datetime.timedelta(hours=2, minutes=30), True),
        ("after", datetime.timedelta(hours=2, minutes=30, seconds=1), False),
    ],
)
def test_the_check_in_window_edges(town, lecture, where, offset, opens):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    at = lecture.starts_at + offset
    with time_machine.travel(at, tick=False):
        code = _code(lecture, at)
        if opens:
            assert services.check_in_with_code(activity=lecture, person=town.resident_a, code=code).checked_in_at
        else:
            with pytest.raises(CheckInClosed):
                services.check_in_with_code(activity=lecture, person=town.resident_a, code=code)


def test_the_previous_code_is_accepted_but_one_from_two_steps_ago_is_refused(town, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    EnrollmentFactory(activity=lecture, person=town.resident_a2)
    now = lecture.starts_at
    with time_machine.travel(now, tick=False):
        previous = _code(lecture, now - datetime.timedelta(seconds=60))
        two_ago = _code(lecture, now - datetime.timedelta(seconds=120))
        with pytest.raises(ValidationError) as caught:
            services.check_in_with_code(activity=lecture, person=town.resident_a, code=two_ago)
        assert "code" in caught.value.message_dict
        assert services.check_in_with_code(activity=lecture, person=town.resident_a2, code=previous).checked_in_at


def test_a_code_of_another_activity_is_refused(town, lecture):
    other = ActivityFactory(site=town.station_a, starts_at=lecture.starts_at, ends_at=lecture.ends_at)
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False), pytest.raises(ValidationError):
        services.check_in_with_code(activity=lecture, person=town.resident_a, code=_code(other, lecture.starts_at))


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "１２３４５６", None])
def test_malformed_codes_are_refused_as_a_field_error(town, lecture, bad):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False), pytest.raises(ValidationError):
        services.check_in_with_code(activity=lecture, person=town.resident_a, code=bad)


def test_checking_in_twice_is_one_record_and_earns_the_points_once(town, lecture):
    from points.models import Entry

    EnrollmentFactory(activity=lecture, person=town.resident_a)
    at = lecture.starts_at
    with time_machine.travel(at, tick=False):
        first = services.check_in_with_code(activity=lecture, person=town.resident_a, code=_code(lecture, at))
    with time_machine.travel(at + datetime.timedelta(minutes=5), tick=False):
        second = services.check_in_with_code(
            activity=lecture, person=town.resident_a, code=_code(lecture, at + datetime.timedelta(minutes=5))
        )
        services.check_in_by_staff(activity=lecture, person=town.resident_a, actor=town.staff_a)
    assert first.checked_in_at == second.checked_in_at
    earned = Entry.objects.filter(
        account__household=town.household_a, rule__code="attend_activity", source_type="activity", source_id=lecture.pk
    )
    assert earned.count() == 1 and earned.get().amount > 0
    assert AuditEvent.objects.filter(action="enrollment.check_in").count() == 1


def test_two_members_of_one_household_earn_the_attendance_points_once(town, lecture):
    from points.models import Entry

    EnrollmentFactory(activity=lecture, person=town.resident_a)
    EnrollmentFactory(activity=lecture, person=town.leader_a_user)  # same household as resident_a
    with time_machine.travel(lecture.starts_at, tick=False):
        for person in (town.resident_a, town.leader_a_user):
            services.check_in_by_staff(activity=lecture, person=person, actor=town.staff_a)
    assert Entry.objects.filter(account__household=town.household_a, source_type="activity").count() == 1


def test_a_waitlisted_person_cannot_check_in(town, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a, status="waitlisted", position=1)
    with time_machine.travel(lecture.starts_at, tick=False), pytest.raises(NotEnrolled):
        services.check_in_with_code(activity=lecture, person=town.resident_a, code=_code(lecture, lecture.starts_at))


def test_staff_check_in_late_is_allowed_but_staff_of_another_station_are_refused(town, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.ends_at + datetime.timedelta(hours=5), tick=False):
        with pytest.raises(NotAllowed):
            services.check_in_by_staff(activity=lecture, person=town.resident_a, actor=town.staff_b)
        assert services.check_in_by_staff(activity=lecture, person=town.resident_a, actor=town.staff_a).checked_in_at


def test_a_person_is_found_by_phone_number(town):
    assert services.person_by_phone(f" {town.resident_a.phone} ") == town.resident_a
    assert services.person_by_phone("123") is None


# ---- finish, no-shows, service records ------------------------------------------------------------


def test_finishing_gives_the_serving_team_pending_service_records_once(town):
    from volunteers.models import ServiceRecord

    talk = ActivityFactory(
        site=town.station_a,
        team=town.team_a,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1, minutes=30),
    )
    services.activity_finish(activity=talk, actor=town.staff_a)
    records = ServiceRecord.objects.filter(source="activity", source_id=talk.pk)
    assert records.count() == 2 and {r.status for r in records} == {"pending"}
    assert {str(r.hours) for r in records} == {"1.50"}


def test_the_sweep_finishes_what_ended_and_leaves_the_rest(town, lecture):
    ended = ActivityFactory(
        site=town.station_a,
        starts_at=timezone.now() - datetime.timedelta(hours=4),
        ends_at=timezone.now() - datetime.timedelta(hours=2),
    )
    assert services.finish_sweep() == 1
    assert Activity.objects.get(pk=ended.pk).status == "finished"
    assert Activity.objects.get(pk=lecture.pk).status == "published"
    assert ActivityEvent.objects.get(activity=ended, action="finish").actor is None


@override_settings(PORTAL={**django_settings.PORTAL, "ACTIVITY_NO_SHOW_LIMIT": 2})
def test_after_the_set_number_of_no_shows_sign_up_is_refused(town, lecture):
    for _ in range(2):
        past = ActivityFactory(
            site=town.station_a,
            status="finished",
            starts_at=timezone.now() - datetime.timedelta(days=3),
            ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=1),
        )
        EnrollmentFactory(activity=past, person=town.resident_a)
    assert services.no_show_count(town.resident_a) == 2
    with pytest.raises(TooManyNoShows):
        services.enrollment_create(activity=lecture, person=town.resident_a, actor=town.resident_a)


# ---- reminders ----------------------------------------------------------------------------------


def test_the_reminder_goes_to_the_enrolled_once_at_the_set_hours_before_the_start(town, lecture, residents_a):
    a, b = residents_a(2)
    EnrollmentFactory(activity=lecture, person=a)
    EnrollmentFactory(activity=lecture, person=b, status="waitlisted", position=1)
    with time_machine.travel(lecture.starts_at - datetime.timedelta(hours=24, minutes=1), tick=False):
        assert services.reminders_sweep() == 0
    with time_machine.travel(lecture.starts_at - datetime.timedelta(hours=23), tick=False):
        assert services.reminders_sweep() == 1
        assert services.reminders_sweep() == 0
    with time_machine.travel(lecture.starts_at - datetime.timedelta(hours=1), tick=False):
        assert services.reminders_sweep() == 0
    assert told(a, "activity_reminder").count() == 1
    assert not told(b, "activity_reminder").exists()


def test_a_cancelled_activity_is_not_reminded(town, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    services.activity_cancel(activity=lecture, actor=town.staff_a, reason="改期")
    with time_machine.travel(lecture.starts_at - datetime.timedelta(hours=2), tick=False):
        assert services.reminders_sweep() == 0


# ---- summary and photos -------------------------------------------------------------------------


def _jpeg(width, height) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_photo_is_kept_resized_with_a_phone_copy(town, lecture, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    photo = services.photo_add(activity=lecture, actor=town.staff_a, upload=_jpeg(3000, 2000), caption="合影")
    with Image.open(photo.image.path) as kept, Image.open(photo.phone_image.path) as phone:
        assert max(kept.size) == services.PHOTO_KEEP_EDGE and max(phone.size) == services.PHOTO_PHONE_EDGE


def test_a_photo_comes_out_upright_and_without_its_gps_position(town, lecture, settings, tmp_path):
    from PIL import Image

    from tests.pictures import GPS_IFD, gps_exif, picture_bytes, rotated_photo

    settings.MEDIA_ROOT = tmp_path
    sideways = SimpleUploadedFile("r.jpg", rotated_photo())
    photo = services.photo_add(activity=lecture, actor=town.staff_a, upload=sideways, caption="")
    with Image.open(photo.image.path) as kept:
        assert kept.size == (100, 200)
    located = SimpleUploadedFile("g.jpg", picture_bytes(3000, 2000, exif=gps_exif()))
    photo = services.photo_add(activity=lecture, actor=town.staff_a, upload=located, caption="")
    for path in (photo.image.path, photo.phone_image.path):
        with Image.open(path) as kept:
            assert not kept.getexif().get_ifd(GPS_IFD)


@pytest.mark.parametrize("kind", ["huge", "truncated", "svg"])
def test_a_huge_truncated_or_svg_photo_is_a_field_error_and_nothing_is_kept(town, lecture, settings, tmp_path, kind):
    from tests.pictures import huge_png, picture_bytes

    settings.MEDIA_ROOT = tmp_path
    content = {
        "huge": huge_png(),
        "truncated": picture_bytes(800, 600)[:3000],
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    }[kind]
    with pytest.raises(ValidationError) as caught:
        services.photo_add(activity=lecture, actor=town.staff_a, upload=SimpleUploadedFile("x.png", content))
    assert list(caught.value.message_dict) == ["image"]
    assert not lecture.photos.exists()


def test_a_file_that_is_no_photo_is_a_field_error(town, lecture, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as caught:
        services.photo_add(
            activity=lecture, actor=town.staff_a, upload=SimpleUploadedFile("x.jpg", b"not an image"), caption=""
        )
    assert "image" in caught.value.message_dict


def test_the_summary_is_saved_and_audited(town, lecture):
    services.activity_summarise(activity=lecture, actor=town.staff_a, summary="到场45人，反响热烈。")
    assert Activity.objects.get(pk=lecture.pk).summary.startswith("到场45人")
    assert AuditEvent.objects.filter(action="activity.summary").exists()
    with pytest.raises(NotAllowed):
        services.activity_summarise(activity=lecture, actor=town.resident_a, summary="x")


def test_statuses_match_the_model(town):
    assert set(services.ACTIVITY_FLOW.statuses()) == set(ActivityStatus.values)
    assert EnrollmentStatus.values == ["enrolled", "waitlisted", "withdrawn"]
