"""A new resident registers on a phone; each role's home page, looked at and checked by axe."""

import pytest

from practice_center.models import User
from tests.browser.conftest import DESK, PHONE, login, screenshot, serious_axe_violations
from tests.factories import VolunteerFactory
from volunteers.models import VolunteerStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_resident_registers_on_a_phone_and_lands_on_a_chinese_home(new_page, town):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/register/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert serious_axe_violations(page) == []
    page.fill("#id_phone", "13987654321")
    page.fill("#id_name", "王秀英")
    page.fill("#id_password1", "long-enough-9")
    page.fill("#id_password2", "long-enough-9")
    page.check("#id_household_mode_0")
    page.select_option("#id_grid", label="幸福村实践站 · 一网格")
    page.fill("#id_household_name", "王秀英家")
    page.fill("#id_address", "幸福村3组5号")
    screenshot(page, "register-phone")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert "你好，王秀英" in page.content()
    assert "成为志愿者" in page.content()
    screenshot(page, "home-new-resident-phone")
    assert User.objects.get(phone="13987654321").household.name == "王秀英家"


def test_bad_registration_input_shows_chinese_errors_and_keeps_the_name(new_page, town):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/register/")
    page.fill("#id_phone", "123")
    page.fill("#id_name", "李桂兰")
    page.click("main button[type=submit]")
    assert "请输入11位中国大陆手机号" in page.content()
    assert page.input_value("#id_name") == "李桂兰"
    screenshot(page, "register-errors-phone")
    assert serious_axe_violations(page) == []


def test_the_login_page_has_no_serious_accessibility_problem(new_page, town):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert serious_axe_violations(page) == []


@pytest.mark.parametrize(
    ("persona", "viewport"),
    [
        ("resident_a", PHONE),
        ("member_a", PHONE),
        ("leader_a", PHONE),
        ("grid_worker_a", PHONE),
        ("staff_a", DESK),
        ("admin", DESK),
    ],
)
def test_each_role_home_is_screenshotted_and_accessible(new_page, town, password, persona, viewport):
    # A registration waiting, so the staff badge shows.
    VolunteerFactory(user=town.resident_a2, site=town.station_a, status=VolunteerStatus.PENDING)
    page = new_page(viewport=viewport)
    login(page, persona, password)
    assert page.locator("h1").inner_text().startswith("你好")
    screenshot(page, f"home-{persona}")
    assert serious_axe_violations(page) == []


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("resident_a", "/accounts/profile/"),
        ("resident_a", "/sites/"),
        ("resident_a", "/volunteers/register/"),
        ("leader_a", "/volunteers/me/"),
        ("staff_a", "/volunteers/pending/"),
        ("staff_a", "/volunteers/teams/new/"),
    ],
)
def test_other_pages_are_accessible_on_a_phone(new_page, town, password, persona, path):
    page = new_page(viewport=PHONE)
    login(page, persona, password)
    page.goto(path)
    screenshot(page, "page-" + path.strip("/").replace("/", "-") + f"-{persona}")
    assert serious_axe_violations(page) == []


def test_a_site_page_is_accessible(new_page, town, password):
    page = new_page(viewport=PHONE)
    login(page, "resident_a", password)
    page.goto(f"/sites/{town.station_a.pk}/")
    screenshot(page, "site-detail-phone")
    assert serious_axe_violations(page) == []
