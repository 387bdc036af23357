import pytest

from tests.browser.conftest import login, screenshot, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_chinese_and_accessible(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    screenshot(page, "login-phone")
    assert serious_axe_violations(page) == []


def test_a_resident_logs_in_and_sees_home(new_page, town, password):
    page = new_page()
    login(page, "resident_a", password)
    assert "张建国" in page.content()
