"""A resident redeems on a phone; staff hand the goods over with the code; the balance page passes axe."""

import pytest

from points.models import Product, Redemption, RedemptionStatus
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.points.test_rankings import post_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stocked(town):
    post_entry(town.household_a, 100)
    Product.objects.create(site=town.station_a, name="洗衣液", description="两公斤装", price=30, stock=3)
    return town


def test_a_resident_redeems_on_a_phone_and_staff_hand_over_with_the_code(new_page, stocked, password):
    page = new_page()
    login(page, "resident_a", password)
    page.goto("/points/")
    assert page.get_by_test_id("balance").inner_text() == "100"
    screenshot(page, "points-balance-phone")
    page.goto("/points/shop/")
    # The picture first: Chromium 156 drops a click that follows a full-page screenshot taken
    # while a number field has the focus (the form itself submits; see requestSubmit).
    screenshot(page, "points-shop-phone")
    page.fill("main input[name=quantity]", "2")
    page.click("main form.redeem button[type=submit]")
    page.wait_for_load_state("networkidle")
    code = page.get_by_test_id("pickup-code").inner_text().strip()
    assert code == Redemption.objects.get().pickup_code
    assert page.locator("main .qr svg").count() == 1
    screenshot(page, "points-pickup-code-phone")

    staff = new_page()
    login(staff, "staff_a", password)
    staff.goto("/points/staff/fulfil/")
    staff.fill("main input[name=code]", code.lower())
    staff.click("main form[method=get] button[type=submit]")
    staff.wait_for_load_state("networkidle")
    assert "洗衣液" in staff.get_by_test_id("redemption").inner_text()
    screenshot(staff, "points-fulfil-lookup-phone")
    staff.click("main [data-testid=redemption] button[type=submit]")
    staff.wait_for_load_state("networkidle")
    screenshot(staff, "points-fulfil-done-phone")
    assert Redemption.objects.get().status == RedemptionStatus.FULFILLED


def test_the_balance_page_has_no_serious_accessibility_violations(new_page, stocked, password):
    page = new_page()
    login(page, "resident_a", password)
    page.goto("/points/")
    assert serious_axe_violations(page) == []
