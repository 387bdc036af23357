"""What an attack on the activities found, each kept shut: impossible years, check-in codes
guessed by people not enrolled or by trying many, garbled input."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError

from activities.sessions import services
from activities.sessions.exceptions import NotEnrolled
from practice_center.exceptions import TooManyAttempts
from tests.activities.sessions.factories import EnrollmentFactory
from tests.activities.sessions.test_services import _code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("field", "year"),
    [
        pytest.param("starts_at", 1, id="start-in-year-1"),
        pytest.param("ends_at", 9999, id="end-in-year-9999"),
        pytest.param("signup_closes_at", 1, id="sign-up-closing-in-year-1"),
    ],
)
def test_an_activity_in_an_impossible_year_is_a_field_error(town, lecture, field, year):
    moment = datetime.datetime(year, 6, 1, 9, 0, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as error:
        services.activity_update(activity=lecture, actor=town.staff_a, **{field: moment})
    assert field in error.value.message_dict


def test_the_page_form_refuses_year_9999_and_year_1_without_a_server_error(client, town):
    from activities.models import Category

    client.force_login(town.staff_a)
    for starts, ends in (("0001-01-01T00:00", "0001-01-01T02:00"), ("2026-12-01T09:00", "9999-12-31T23:59")):
        response = client.post(
            "/activities/sessions/new/",
            {
                "site": town.station_a.pk,
                "title": "讲座",
                "category": Category.objects.first().pk,
                "starts_at": starts,
                "ends_at": ends,
                "open_to": "station",
            },
        )
        assert response.status_code == 200, starts  # the form again, with the error beside the field
        assert "年之间的日期" in response.content.decode()


def test_someone_not_enrolled_cannot_test_check_in_codes(town, lecture):
    with time_machine.travel(lecture.starts_at, tick=False), pytest.raises(NotEnrolled):
        services.check_in_with_code(activity=lecture, person=town.resident_a, code=_code(lecture, lecture.starts_at))


def test_ten_wrong_codes_lock_the_check_in_for_that_person_and_activity(town, lecture):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    with time_machine.travel(lecture.starts_at, tick=False):
        for i in range(10):
            with pytest.raises(ValidationError):
                services.check_in_with_code(activity=lecture, person=town.resident_a, code=f"{i:06d}")
        with pytest.raises(TooManyAttempts):
            services.check_in_with_code(
                activity=lecture, person=town.resident_a, code=_code(lecture, lecture.starts_at)
            )


def test_a_cancelled_activity_no_longer_tells_the_resident_they_are_signed_up(town, lecture, client):
    EnrollmentFactory(activity=lecture, person=town.resident_a)
    services.activity_cancel(activity=lecture, actor=town.staff_a, reason="场地维修")
    client.force_login(town.resident_a)
    page = client.get(f"/activities/sessions/{lecture.pk}/").content.decode()
    assert "场地维修" in page
    assert "您已报名" not in page and "calendar.ics" not in page and ".ics" not in page
