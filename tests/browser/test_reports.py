# ruff: noqa: F811  (the worked-month fixtures are imported from tests/reports/conftest.py, then requested by name)
"""The monthly review in a browser: staff submit with a narrative, the admin returns it, staff
submit again, the admin approves and publishes, a resident reads the bulletin; the detail and
print pages draw their charts; axe finds nothing serious in Chinese, English and larger text."""

from __future__ import annotations

import pytest

from reports.models import MonthlyReport
from tests.browser.conftest import login, screenshot, serious_axe_violations
from tests.reports.conftest import item_a, item_b, law, march_reports, place, worked_month  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def _open(page, report) -> None:
    page.goto(f"/reports/{report.pk}/")
    page.wait_for_load_state("networkidle")


def _click(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state("networkidle")


def test_the_whole_review_and_a_resident_reads_the_bulletin(new_page, worked_month, march_reports, password):
    town = worked_month
    report = march_reports[town.station_a.pk]

    staff = new_page(viewport=PHONE)
    login(staff, "staff_a", password)
    _open(staff, report)
    assert staff.locator("main figure.chart svg").count() >= 2
    staff.fill("#id_narrative", "三月围绕学雷锋月开展志愿服务，群众点单五次。")
    screenshot(staff, "reports-write-phone")
    _click(staff, "main button[formaction$='/submit/']")
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"

    admin = new_page(viewport=DESK)
    login(admin, "admin", password)
    admin.goto("/reports/")
    assert town.station_a.name in admin.locator("#waiting-h + ul").inner_text()
    screenshot(admin, "reports-list-admin-desk")
    _open(admin, report)
    admin.fill("#id_comment", "请补充微心愿认领情况。")
    _click(admin, "main button[formaction$='/return/']")
    assert MonthlyReport.objects.get(pk=report.pk).status == "returned"

    _open(staff, report)
    assert "请补充微心愿认领情况" in staff.locator("main .card.notice").inner_text()
    staff.fill("#id_narrative", "三月围绕学雷锋月开展志愿服务；本月无微心愿。")
    _click(staff, "main button[formaction$='/submit/']")

    _open(admin, report)
    _click(admin, "main form.review button:not([formaction])")
    assert MonthlyReport.objects.get(pk=report.pk).status == "approved"
    _click(admin, "main form[action$='/publish/'] button")
    assert MonthlyReport.objects.get(pk=report.pk).status == "published"
    screenshot(admin, "reports-detail-published-desk")

    resident = new_page(viewport=PHONE)
    login(resident, "resident_a", password)
    resident.goto("/reports/")
    resident.click(f"main a[href='/reports/{report.pk}/']")
    resident.wait_for_load_state("networkidle")
    body = resident.locator("main").inner_text()
    assert "本月无微心愿" in body and "张**家" not in body
    screenshot(resident, "reports-bulletin-resident-phone")


def test_the_print_page_and_the_charts_render(new_page, worked_month, march_reports, password):
    town = worked_month
    report = march_reports[town.institute.pk]
    page = new_page(viewport=DESK)
    login(page, "admin", password)
    _open(page, report)
    assert page.locator("main figure.chart svg").count() == 3
    box = page.locator("main figure.chart svg").first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    screenshot(page, "reports-detail-charts-desk")
    page.goto(f"/reports/{report.pk}/print/")
    page.emulate_media(media="print")
    assert page.locator("figure.chart svg").count() == 3
    assert not page.locator(".no-print").is_visible()
    screenshot(page, "reports-print-a4")
    page.emulate_media(media="screen")
    home = new_page(viewport=PHONE)
    login(home, "admin", password)
    screenshot(home, "reports-dashboard-home-phone")


@pytest.mark.parametrize(("language", "elderly"), [("zh-hans", False), ("en", False), ("zh-hans", True)])
def test_report_pages_have_no_serious_accessibility_violations(
    new_page, live_server, worked_month, march_reports, password, language, elderly
):
    report = march_reports[worked_month.institute.pk]
    page = new_page(viewport=PHONE, language=language)
    if elderly:
        page.context.add_cookies([{"name": "elderly", "value": "1", "url": live_server.url}])
    login(page, "admin", password)
    suffix = f"{language}{'-large' if elderly else ''}"
    for path in ("/", "/reports/", f"/reports/{report.pk}/", f"/reports/{report.pk}/print/", "/reports/period/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert serious_axe_violations(page) == [], path
        # Nothing makes the phone page scroll sideways (wide tables and charts scroll in place).
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    screenshot(page, f"reports-period-{suffix}")
    page.goto(f"/reports/{report.pk}/")
    screenshot(page, f"reports-detail-{suffix}")
