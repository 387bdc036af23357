"""Station staff keep the points supermarket: products list, new product, edit; screenshots on a
phone and a desk; the resident sees the new goods in the shop at once."""

import pytest

from points.models import Product
from tests.browser.conftest import DESK, PHONE, login, screenshot, serious_axe_violations
from tests.pictures import picture_bytes
from tests.points.test_rankings import post_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    post_entry(town.household_a, 100)
    Product.objects.create(site=town.station_a, name="洗衣液", description="两公斤装", price=30, stock=3)
    Product.objects.create(site=town.station_a, name="香皂", price=3, stock=0, is_active=False)
    return town


@pytest.mark.parametrize(("viewport", "label"), [(PHONE, "phone"), (DESK, "desk")])
def test_staff_add_and_edit_goods_and_the_resident_sees_them(new_page, shelf, password, viewport, label, tmp_path):
    page = new_page(viewport=viewport)
    login(page, "staff_a", password)
    page.goto("/points/staff/products/")
    assert "洗衣液" in page.inner_text("main")
    screenshot(page, f"points-products-{label}")

    with page.expect_navigation():
        page.click("main a[href='/points/staff/products/new/']")
    page.fill("main input[name=name]", "食用油")
    page.fill("main textarea[name=description]", "五升装花生油")
    page.fill("main input[name=points_price]", "50")
    page.fill("main input[name=stock]", "12")
    screenshot(page, f"points-product-new-{label}")
    # A text file is not a picture: the page says so and keeps what was typed. (A file on disk:
    # this chromium submitted nothing when the file was made from a buffer.)
    not_a_picture = tmp_path / "oil.png"
    not_a_picture.write_bytes(b"not a picture")
    page.set_input_files("main input[name=picture]", str(not_a_picture))
    with page.expect_navigation():
        page.press("main input[name=stock]", "Enter")
    assert page.input_value("main input[name=name]") == "食用油"
    assert page.input_value("main input[name=points_price]") == "50"
    assert page.locator("main .errorlist").count() == 1
    screenshot(page, f"points-product-new-error-{label}")
    with page.expect_navigation():
        page.press("main input[name=stock]", "Enter")
    assert Product.objects.filter(name="食用油", price=50, stock=12).exists()

    oil = Product.objects.get(name="食用油")
    page.goto(f"/points/staff/products/{oil.pk}/edit/")
    page.fill("main input[name=stock]", "20")
    screenshot(page, f"points-product-edit-{label}")
    # Enter in the field submits the form: after a full-page screenshot on a phone, a click right
    # away sometimes reached no button while the viewport was being restored.
    with page.expect_navigation():
        page.press("main input[name=stock]", "Enter")
    oil.refresh_from_db()
    assert oil.stock == 20
    screenshot(page, f"points-products-after-{label}")

    resident = new_page(viewport=viewport)
    login(resident, "resident_a", password)
    resident.goto("/points/shop/")
    assert "食用油" in resident.inner_text("main")


def test_the_product_pages_have_no_serious_accessibility_violations(new_page, shelf, password):
    page = new_page()
    login(page, "staff_a", password)
    for url in ("/points/staff/products/", "/points/staff/products/new/"):
        page.goto(url)
        assert serious_axe_violations(page) == [], url


@pytest.mark.parametrize(("viewport", "label"), [(PHONE, "phone"), (DESK, "desk")])
def test_staff_attach_evidence_to_an_award_and_find_it_on_the_ledger(
    new_page, shelf, password, viewport, label, tmp_path
):
    page = new_page(viewport=viewport)
    login(page, "staff_a", password)
    page.goto("/points/staff/award/?q=张建国")
    page.check(f"main input[name=household][value='{shelf.household_a.pk}']")
    page.select_option("main select[name=rule]", label="环境卫生整治 · 3 (每次)")
    page.fill("main input[name=note]", "清理河道垃圾")
    screenshot(page, f"points-award-evidence-{label}")
    too_big = tmp_path / "scan.pdf"
    too_big.write_bytes(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1))
    page.set_input_files("main input[name=attachment]", str(too_big))
    with page.expect_navigation():
        page.press("main input[name=note]", "Enter")
    assert "5 MB" in page.inner_text("main .errorlist")
    assert page.input_value("main input[name=note]") == "清理河道垃圾"
    screenshot(page, f"points-award-evidence-error-{label}")
    photo = tmp_path / "river.jpg"
    photo.write_bytes(picture_bytes(1200, 900))  # a real photo: signatures alone are refused
    page.set_input_files("main input[name=attachment]", str(photo))
    with page.expect_navigation():
        page.press("main input[name=note]", "Enter")
    link = page.locator("main [data-testid=evidence-link]")
    assert link.count() == 1
    screenshot(page, f"points-ledger-evidence-{label}")
    assert page.request.get(link.get_attribute("href")).body().startswith(b"\xff\xd8\xff")
