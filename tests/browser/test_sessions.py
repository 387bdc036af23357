"""Scheduled activities on a 360×740 phone: a resident finds an activity in the calendar and
signs up; staff open the door QR page; the resident opens the URL in the QR and is checked
in. axe in Chinese and English and in large-text mode. Screenshots: test-artifacts/sessions-*.png."""

import datetime

import pytest
from django.utils import timezone

from activities.models import Category, Enrollment
from tests.activities.sessions.factories import ActivityFactory, ThemeFactory
from tests.browser.conftest import DESK, login, screenshot, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"width": 360, "height": 740}


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_resident_finds_signs_up_and_checks_in_with_the_door_qr(new_page, town, password):
    category = Category.objects.get_or_create(code="culture", defaults={"name_zh": "文化服务", "name_en": "Culture"})[0]
    theme = ThemeFactory(name="冬日暖心月", colour="#1A5FB4")
    start = timezone.localtime() + datetime.timedelta(minutes=10)
    activity = ActivityFactory(
        site=town.station_a,
        title="道德讲堂：好家风好家训",
        category=category,
        theme=theme,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=30,
        description="邀请身边好人讲述家风故事。",
    )

    # The resident finds it in this month's calendar (a list on the phone) and signs up.
    resident = new_page(viewport=SMALL_PHONE)
    login(resident, "resident_a", password)
    resident.goto(f"/activities/calendar/?month={start:%Y-%m}")
    assert resident.locator(".cal-month").is_hidden()
    resident.get_by_role("link", name=activity.title).click()
    resident.wait_for_load_state("networkidle")
    assert "剩余30个名额" in resident.inner_text("main")
    screenshot(resident, "sessions-1-detail-phone")
    assert serious_axe_violations(resident) == []
    submit(resident, "main button.signup")
    assert "报名成功" in resident.inner_text("main")
    assert Enrollment.objects.get(activity=activity, person=town.resident_a).status == "enrolled"
    screenshot(resident, "sessions-2-signed-up-phone")

    resident.goto(f"/activities/calendar/?month={start:%Y-%m}")
    screenshot(resident, "sessions-3-calendar-phone")
    assert serious_axe_violations(resident) == []

    # Staff open the door QR page (full screen on a desk or tablet).
    staff = new_page(viewport=DESK)
    login(staff, "staff_a", password)
    staff.goto(f"/activities/sessions/{activity.pk}/door/")
    assert staff.locator(".qr svg").is_visible()
    url = staff.get_attribute("#check-in-url", "href")
    assert f"/activities/sessions/{activity.pk}/check-in/?code=" in url
    screenshot(staff, "sessions-4-door-desk")
    staff.goto(f"/activities/calendar/?month={start:%Y-%m}")
    assert staff.locator(".cal-month").is_visible()
    screenshot(staff, "sessions-5-calendar-desk")

    # The resident opens the URL in the QR: the page checks in by itself.
    resident.goto(url)
    resident.wait_for_selector("#checked-in")
    assert "签到成功" in resident.inner_text("main")
    screenshot(resident, "sessions-6-checked-in-phone")
    assert Enrollment.objects.get(activity=activity, person=town.resident_a).checked_in_at is not None
    resident.goto(url)  # a second scan answers the same
    resident.wait_for_selector("#checked-in")

    # Staff see the check-in on the attendee list.
    staff.goto(f"/activities/sessions/{activity.pk}/attendees/")
    assert "✔" in staff.inner_text("main table")
    screenshot(staff, "sessions-7-attendees-desk")
    assert serious_axe_violations(staff) == []


def test_the_pages_pass_axe_in_english_and_in_large_text(new_page, town, password):
    activity = ActivityFactory(site=town.station_a, title="Smartphone class", capacity=1)
    Enrollment.objects.create(activity=activity, person=town.resident_a2)
    page = new_page(viewport=SMALL_PHONE, language="en")
    login(page, "resident_a", password)
    page.goto(f"/activities/sessions/{activity.pk}/")
    assert "Join the waiting list" in page.inner_text("main")
    assert serious_axe_violations(page) == []
    submit(page, "main button.signup")
    assert "number 1 on the waiting list" in page.inner_text("main")
    page.goto("/activities/sessions/mine/")
    assert "Waiting list no. 1" in page.inner_text("main")
    assert serious_axe_violations(page) == []
    screenshot(page, "sessions-8-mine-english-phone")
    submit(page, "header button[name=enabled]")  # larger text
    page.goto(f"/activities/sessions/{activity.pk}/")
    assert page.evaluate("document.documentElement.classList.contains('elderly')")
    assert serious_axe_violations(page) == []
    screenshot(page, "sessions-9-detail-large-text-phone")
    page.goto(f"/activities/calendar/?month={timezone.localtime(activity.starts_at):%Y-%m}")
    assert serious_axe_violations(page) == []
    screenshot(page, "sessions-10-calendar-large-text-phone")
