"""The log-in and join-code limits as a person on a phone meets them: the message, the typed
phone number kept, and no serious accessibility problem on the refusal page."""

import pytest

from tests.browser.conftest import PHONE, screenshot, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_after_five_wrong_passwords_the_login_page_says_to_wait_fifteen_minutes(new_page, town, password):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    for attempt in range(6):
        page.fill("#id_username", town.resident_a.phone)
        page.fill("#id_password", password if attempt == 5 else "wrong-password")
        with page.expect_navigation() as navigation:
            page.click("main button[type=submit]")
    assert navigation.value.status == 429
    assert "尝试次数过多，请 15 分钟后再试。" in page.locator("main [role=alert]").inner_text()
    assert page.input_value("#id_username") == town.resident_a.phone
    assert page.input_value("#id_password") == ""
    screenshot(page, "login-throttled-phone")
    assert serious_axe_violations(page) == []


def test_after_ten_wrong_join_codes_the_register_page_says_to_wait_in_english(new_page, town):
    page = new_page(viewport=PHONE, language="en")
    page.goto("/accounts/register/")
    for attempt in range(11):
        page.fill("#id_phone", "13987654321")
        page.fill("#id_name", "王秀英")
        page.fill("#id_password1", "long-enough-9")
        page.fill("#id_password2", "long-enough-9")
        page.check("#id_household_mode_1")
        page.fill("#id_join_code", town.household_a.join_code if attempt == 10 else f"ZZZZ{attempt:02d}")
        with page.expect_navigation() as navigation:
            page.click("main button[type=submit]")
    assert navigation.value.status == 429
    assert "Too many attempts. Try again in 60 minutes." in page.locator("main [role=alert]").inner_text()
    assert page.input_value("#id_name") == "王秀英"
    assert page.input_value("#id_password1") == ""
    page.locator("#id_join_code").scroll_into_view_if_needed()
    screenshot(page, "register-join-code-throttled-phone")
    assert serious_axe_violations(page) == []
