"""Pages of the reports: list, detail with SVG charts, print, exports, the review steps through
forms, quarter and half-year, the dashboard on the staff home, and query counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import MonthlyReport
from tests.factories import PASSWORD
from tests.reports.conftest import MARCH, SH, grow

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_list_shows_badges_and_what_waits_for_me(town, client, march_reports):
    login(client, town.staff_a)
    page = client.get(reverse("reports:list")).content.decode()
    assert "report-draft" in page and town.station_a.name in page
    assert town.station_b.name not in page  # B's draft is not A's business
    assert reverse("reports:detail", args=[march_reports[town.station_a.pk].pk]) in page


def test_the_admin_finds_a_submitted_report_waiting(town, client, report_a, walk):
    walk(report_a, "submitted")
    login(client, town.admin)
    page = client.get(reverse("reports:list")).content.decode()
    waiting = page.split('id="waiting-h"')[1].split("</section>")[0]
    assert town.station_a.name in waiting


def test_the_detail_draws_svg_charts_without_scripts(worked_month, client, march_reports):
    town = worked_month
    login(client, town.admin)
    report = march_reports[town.institute.pk]
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert page.count("<svg") >= 3  # by category, twelve months, children compared
    assert "<script" not in page.split('id="figures-h"')[1]
    assert "张**家" in page  # top households, masked
    printed = client.get(reverse("reports:print", args=[report.pk])).content.decode()
    assert printed.count("<svg") >= 3 and "css/reports.css" in printed


def test_a_resident_reads_the_published_bulletin_without_household_names(worked_month, client, march_reports, walk):
    town = worked_month
    report = walk(march_reports[town.station_a.pk], "published")
    login(client, town.resident_a)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "张**家" not in page and "本月工作顺利" in page
    assert client.get(reverse("reports:export", args=[report.pk, "xlsx"])).status_code == 403
    login(client, town.resident_b)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_the_review_through_the_pages(town, client, report_a):
    detail = reverse("reports:detail", args=[report_a.pk])
    act = lambda action: reverse("reports:act", args=[report_a.pk, action])  # noqa: E731
    login(client, town.staff_a)
    response = client.post(act("submit"), {"narrative": "", "highlights": ""}, follow=True)
    assert 'class="msg error"' in response.content.decode()
    assert MonthlyReport.objects.get(pk=report_a.pk).status == "draft"
    client.post(act("edit"), {"narrative": "草稿", "highlights": ""})
    assert MonthlyReport.objects.get(pk=report_a.pk).narrative == "草稿"
    assert client.post(act("submit"), {"narrative": "三月工作", "highlights": "义诊"}).url == detail
    assert MonthlyReport.objects.get(pk=report_a.pk).status == "submitted"
    assert client.post(act("approve"), {}).status_code == 403
    login(client, town.admin)
    client.post(act("return"), {"comment": ""})
    assert MonthlyReport.objects.get(pk=report_a.pk).status == "submitted"
    client.post(act("return"), {"comment": "请补充"})
    assert MonthlyReport.objects.get(pk=report_a.pk).status == "returned"
    login(client, town.staff_a)
    client.post(act("submit"), {"narrative": "已补充", "highlights": ""})
    login(client, town.admin)
    client.post(act("approve"), {"comment": ""})
    client.post(act("publish"), {})
    assert MonthlyReport.objects.get(pk=report_a.pk).status == "published"
    assert client.post(act("publish"), {}, follow=True).status_code == 200  # a second time: a message, no change
    assert client.post(reverse("reports:act", args=[report_a.pk, "explode"])).status_code == 404


def test_pages_answer_404_for_other_stations_and_missing_reports(town, client, march_reports):
    login(client, town.staff_b)
    report = march_reports[town.station_a.pk]
    for name in ("reports:detail", "reports:print"):
        assert client.get(reverse(name, args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:detail", args=[999999])).status_code == 404
    assert client.get(reverse("reports:export", args=[report.pk, "xlsx"])).status_code == 404
    assert client.post(reverse("reports:act", args=[report.pk, "submit"]), {"narrative": "x"}).status_code == 404


def test_odd_query_strings_never_fail(town, client, march_reports):
    login(client, town.admin)
    for query in ("?month=2026-99", "?month=x", "?site=²", "?site=-1", "?status=zzz", "?page=abc"):
        assert client.get(reverse("reports:list") + query).status_code == 200
    for query in ("?year=x&period=q9", "?year=1900", "?site=999999"):
        assert client.get(reverse("reports:period") + query).status_code in (200, 404)
    assert client.get(reverse("reports:dashboard") + "?site=²").status_code == 200


def test_exports_download_from_the_page(worked_month, client, march_reports):
    login(client, worked_month.staff_a)
    report = march_reports[worked_month.station_a.pk]
    xlsx = client.get(reverse("reports:export", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("reports:export", args=[report.pk, "csv"])).content.startswith(b"\xef\xbb\xbf")
    assert client.get(reverse("reports:export", args=[report.pk, "pdf"])).status_code == 404


def test_the_quarter_view_shows_each_month_and_the_combined_figures(worked_month, client, march_reports):
    login(client, worked_month.admin)
    with time_machine.travel(datetime.datetime(2026, 4, 15, 9, tzinfo=SH)):
        page = client.get(reverse("reports:period"), {"year": 2026, "period": "q1", "site": worked_month.station_a.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026-01" in text and "2026-03" in text and "report-draft" in text


def test_the_staff_home_shows_the_dashboard_and_a_residents_does_not(worked_month, client):
    town = worked_month
    with time_machine.travel(datetime.datetime(2026, 3, 31, 12, tzinfo=SH)):
        login(client, town.admin)
        page = client.get("/").content.decode()
        assert 'id="dash-h"' in page and town.station_a.name in page
        login(client, town.resident_a)
        assert 'id="dash-h"' not in client.get("/").content.decode()
        assert client.get(reverse("reports:dashboard")).status_code == 403


def test_the_dashboard_lists_overdue_orders_lagging_stations_and_checklist_gaps(worked_month, client):
    town = worked_month
    town.station_a.checklist = {"place": True, "plan": True}
    town.station_a.save()
    with time_machine.travel(datetime.datetime(2026, 3, 31, 12, tzinfo=SH)):
        from reports.selectors import dashboard

        board = dashboard(town.center)
    # Only the order of 02-28, still waiting for dispatch; 03-31 23:59 is not placed yet at noon.
    assert board.overdue_count == 1
    states = {s.site.name: s for s in board.stations}
    assert states[town.station_a.name].on_time_rate == 0.5
    assert states[town.station_a.name].lagging == ["on_time_rate"]
    assert states[town.station_a.name].gaps == ["team", "projects", "rules", "records"]


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_home_list_and_detail_pages_keep_their_query_counts_as_data_grows(
    town, client, item_a, item_b, place, march_reports, django_assert_num_queries
):
    from reports.services import reports_build_month

    login(client, town.admin)
    report = march_reports[town.institute.pk]
    grow(town, item_a, item_b, place, 1)
    reports_build_month(month=MARCH)
    paths = ["/", reverse("reports:list"), reverse("reports:detail", args=[report.pk]), reverse("reports:dashboard")]
    client.get(paths[0])
    small = {path: _count(client, path) for path in paths}
    grow(town, item_a, item_b, place, 10)
    reports_build_month(month=MARCH)
    for path in paths:
        with django_assert_num_queries(small[path]):
            assert client.get(path).status_code == 200
