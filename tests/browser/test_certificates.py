"""A volunteer on a 360 px phone asks for a service certificate, opens the PDF, and the address in
the QR code shows it as valid to an anonymous visitor; the pages pass axe in Chinese and English,
at normal and large text."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
import segno
from django.utils import timezone

from tests.browser.conftest import ARTIFACTS, login, screenshot, serious_axe_violations
from tests.volunteers.certificates.conftest import add_record
from volunteers.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 740}


@pytest.fixture
def served(town):
    """member_a served twice this year (verified) and once more (pending)."""
    today = timezone.localdate()
    first = today.replace(month=1, day=2) if today >= today.replace(month=1, day=2) else today
    add_record(town.member_a, "2.5", first, by=town.staff_a, description="敬老院慰问演出")
    add_record(town.member_a, 3, today, by=town.staff_a, description="义诊")
    add_record(town.member_a, 4, today, status="pending")
    return town


def modules_of(url: str) -> str:
    """The dark modules (the path of the SVG) of the QR code practice_center.pages.qr_svg draws
    for `url`: equal paths mean the page's QR code encodes exactly this address."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#1a1a1a", light="#ffffff", border=2)
    return re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)


def test_a_volunteer_on_a_phone_gets_a_certificate_that_an_anonymous_visitor_sees_as_valid(new_page, served, password):
    page = new_page(viewport=PHONE_360)
    login(page, "member_a", password)
    page.goto("/volunteers/me/")
    assert page.get_by_test_id("star-progress").is_visible()
    screenshot(page, "certificates-volunteer-page-phone")
    page.click("[data-testid=star-progress] a")
    page.wait_for_load_state("networkidle")
    screenshot(page, "certificates-ask-phone")
    page.click("[data-testid=issue-form] button[type=submit]")  # the default period: this year so far
    page.wait_for_load_state("networkidle")

    certificate = Certificate.objects.get()
    assert certificate.hours == 5.5
    sheet = page.get_by_test_id("certificate-sheet")
    assert "志愿者甲" in sheet.inner_text()
    assert page.get_by_test_id("certificate-hours").inner_text() == "5.50"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"], f"the page scrolls sideways on a phone ({width} px)"
    screenshot(page, "certificates-print-page-phone")

    # The PDF behind the button, fetched with the volunteer's session.
    pdf_href = page.get_by_test_id("pdf-link").get_attribute("href")
    pdf = page.request.get(pdf_href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "certificate-browser.pdf"
    pdf_path.write_bytes(pdf.body())
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
        assert "志愿者甲" in text and "5.50" in text
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "70",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf_path),
                str(ARTIFACTS / "certificate-browser"),
            ],
            check=True,
        )

    # The QR code on the page encodes exactly the printed verification address.
    verify_url = page.get_by_test_id("verify-url").inner_text().strip()
    assert verify_url.endswith(f"/c/{certificate.code}/")
    drawn = page.locator("[data-testid=certificate-sheet] .qr svg path.qrline").get_attribute("d")
    assert drawn == modules_of(verify_url)

    visitor = new_page(viewport=PHONE_360)
    visitor.goto(verify_url)
    verdict = visitor.get_by_test_id("verdict").inner_text()
    assert "有效" in verdict
    facts = visitor.get_by_test_id("public-facts").inner_text()
    assert "志**甲" in facts and "志愿者甲" not in facts and "5.50" in facts
    screenshot(visitor, "certificates-verify-anonymous-phone")
    assert serious_axe_violations(visitor) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_certificate_pages_pass_axe(new_page, served, password, language, large):
    from volunteers.certificates import certificate_issue

    certificate = certificate_issue(
        volunteer=served.member_a,
        date_from=datetime.date(timezone.localdate().year, 1, 1),
        date_to=timezone.localdate(),
        actor=served.staff_a,
    )
    page = new_page(viewport=PHONE_360, language=language)
    login(page, "member_a", password)
    if large:
        page.goto("/volunteers/me/")
        page.click("header button[name=enabled]")
        page.wait_for_load_state("networkidle")
    suffix = f"{language}-{'large' if large else 'normal'}"
    for name, path in [
        ("list", f"/volunteers/{served.member_a.pk}/certificates/"),
        ("print", f"/volunteers/{served.member_a.pk}/certificates/{certificate.code}/"),
        ("verify", f"/c/{certificate.code}/"),
        ("lookup", "/c/?code=123"),
        ("export", "/volunteers/hours/export/"),
        ("mine", "/volunteers/me/"),
    ]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if name in ("list", "print", "verify") or (name == "export" and not large):
            screenshot(page, f"certificates-{name}-{suffix}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_360["width"], f"{name} scrolls sideways ({width} px)"
        assert serious_axe_violations(page) == [], name
