"""The REST endpoints of the reports (shared/API.md, "Reports"): owner, other station,
anonymous, missing, bad input, exports and query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.reports.conftest import grow

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reports/monthly/"


def url(report, action: str = "") -> str:
    return f"{BASE}{report.pk}/" + (f"{action}/" if action else "")


# ---- list and detail ---------------------------------------------------------------------------
def test_the_detail_has_the_contract_keys(town, api, report_a):
    response = api(town.staff_a).get(url(report_a))
    assert response.status_code == 200
    body = response.json()
    assert {"id", "site", "month", "status", "figures", "narrative", "events"} <= set(body)
    assert body["month"] == "2026-03" and body["status"] == "draft"
    figures = body["figures"]
    for key in (
        "orders",
        "dispatch_hours_median",
        "accept_hours_median",
        "complete_hours_median",
        "on_time_rate",
        "completion_rate",
        "rating_mean",
        "activities",
        "volunteers",
        "service_hours",
        "points",
        "top_households",
        "wishes",
        "previous",
    ):
        assert key in figures, key
    assert {"total", "by_status", "by_category"} <= set(figures["orders"])
    assert set(body["actions"]) == {"edit", "submit", "export"}


def test_staff_of_another_station_get_404_for_a_draft(town, api, report_a):
    assert api(town.staff_b).get(url(report_a)).status_code == 404
    assert api(town.staff_b).post(url(report_a, "submit"), {"narrative": "x"}, format="json").status_code == 404


def test_anonymous_callers_are_refused(api, report_a):
    assert api().get(BASE).status_code == 401
    assert api().get(url(report_a)).status_code == 401
    assert api().get("/api/v1/reports/dashboard/").status_code == 401


def test_a_missing_report_is_404(town, api):
    assert api(town.admin).get(f"{BASE}999999/").status_code == 404


def test_the_list_filters_by_month_site_and_status(town, api, march_reports, walk):
    walk(march_reports[town.station_b.pk], "submitted")
    client = api(town.admin)
    assert client.get(BASE, {"month": "2026-03"}).json()["count"] == 4
    assert client.get(BASE, {"month": "2026-02"}).json()["count"] == 0
    assert client.get(BASE, {"site": town.institute.pk}).json()["count"] == 3
    statuses = [r["status"] for r in client.get(BASE, {"status": "submitted"}).json()["results"]]
    assert statuses == ["submitted"]
    assert client.get(BASE, {"site": 999999}).json()["count"] == 0


@pytest.mark.parametrize(
    ("param", "value"), [("month", "2026-13"), ("month", "March"), ("status", "done"), ("site", "x"), ("site", "²")]
)
def test_bad_filters_are_400(town, api, march_reports, param, value):
    response = api(town.admin).get(BASE, {param: value})
    assert response.status_code == 400 and param in response.json()


def test_staff_list_only_their_subtree_and_published_bulletins(town, api, march_reports, walk):
    walk(march_reports[town.station_b.pk], "published")
    ids = {r["id"] for r in api(town.staff_a).get(BASE).json()["results"]}
    assert ids == {march_reports[town.station_a.pk].pk, march_reports[town.station_b.pk].pk}


# ---- the workflow through the API --------------------------------------------------------------
def test_the_whole_review_through_the_api(town, api, report_a):
    staff, admin = api(town.staff_a), api(town.admin)
    response = staff.post(url(report_a, "submit"), {"narrative": "三月工作顺利"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = admin.post(url(report_a, "return"), {"comment": "请补充"}, format="json")
    assert response.json()["status"] == "returned"
    assert staff.post(url(report_a, "submit"), {"narrative": "已补充"}, format="json").json()["status"] == "submitted"
    assert admin.post(url(report_a, "approve"), {}, format="json").json()["status"] == "approved"
    body = admin.post(url(report_a, "publish"), {}, format="json").json()
    assert body["status"] == "published"
    assert [e["action"] for e in body["events"]] == ["submit", "return", "submit", "approve", "publish"]
    assert body["events"][1]["note"] == "请补充"


def test_a_wrong_state_answers_409(town, api, report_a):
    response = api(town.admin).post(url(report_a, "approve"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    staff = api(town.staff_a)
    staff.post(url(report_a, "submit"), {"narrative": "x"}, format="json")
    again = staff.post(url(report_a, "submit"), {"narrative": "x"}, format="json")
    assert again.status_code == 409


def test_bad_input_answers_400(town, api, report_a, walk):
    staff = api(town.staff_a)
    assert "narrative" in staff.post(url(report_a, "submit"), {}, format="json").json()
    assert "narrative" in staff.post(url(report_a, "submit"), {"narrative": " "}, format="json").json()
    report = walk(report_a, "submitted")
    response = api(town.admin).post(url(report, "return"), {"comment": ""}, format="json")
    assert response.status_code == 400 and "comment" in response.json()


def test_someone_who_may_read_but_not_act_gets_403(town, api, report_a, walk):
    report = walk(report_a, "submitted")
    assert api(town.staff_a).post(url(report, "approve"), {}, format="json").status_code == 403
    assert api(town.institute_staff).post(url(report, "approve"), {}, format="json").status_code == 403


def test_a_resident_reads_only_the_published_summary(town, api, report_a, walk):
    assert api(town.resident_a).get(url(report_a)).status_code == 404
    walk(report_a, "published")
    body = api(town.resident_a).get(url(report_a)).json()
    assert "top_households" not in body["figures"] and "top_households" not in body["figures"]["previous"]
    assert body["events"] == [] and body["comment"] == ""
    assert api(town.resident_b).get(url(report_a)).status_code == 404
    assert api(town.resident_a).get(url(report_a, "export"), {"format": "csv"}).status_code == 403


# ---- exports -----------------------------------------------------------------------------------
def test_the_excel_export_opens_with_a_sheet_per_table_and_formulas_stay_text(worked_month, api, march_reports):
    town = worked_month
    report = march_reports[town.institute.pk]
    from reports.services import report_edit

    report_edit(report=report, actor=town.institute_staff, narrative="=1+1", highlights="")
    response = api(town.admin).get(url(report, "export"), {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 7
    summary = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    narrative = summary["工作情况"]  # "Narrative" in Chinese, the default language
    assert narrative.value == "=1+1" and narrative.data_type == "s"
    compared = book.worksheets[4]
    names = [row[0].value for row in compared.iter_rows(min_row=2)]
    assert names == [town.station_a.name, town.station_b.name]


def test_the_csv_export_is_utf8_with_a_bom_and_formulas_stay_text(worked_month, api, march_reports):
    town = worked_month
    report = march_reports[town.station_a.pk]
    from reports.services import report_edit

    report_edit(report=report, actor=town.staff_a, narrative="=1+1", highlights="")
    response = api(town.staff_a).get(url(report, "export"), {"format": "csv"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(row[1:] == ["'=1+1"] for row in rows if len(row) == 2)
    assert any(town.station_a.name in cell for row in rows for cell in row)


def test_an_unknown_export_format_is_400(town, api, report_a):
    assert api(town.staff_a).get(url(report_a, "export"), {"format": "pdf"}).status_code == 400


# ---- the dashboard -----------------------------------------------------------------------------
def test_the_dashboard_answers_the_figure_keys_and_a_row_per_child(town, api):
    response = api(town.admin).get("/api/v1/reports/dashboard/")
    assert response.status_code == 200
    body = response.json()
    assert body["site"] == town.center.pk
    assert {"orders", "on_time_rate", "previous", "by_site", "overdue", "stations"} <= set(body)
    assert [row["name"] for row in body["by_site"]] == [town.institute.name]
    by_station = api(town.admin).get("/api/v1/reports/dashboard/", {"site": town.institute.pk}).json()
    assert [row["name"] for row in by_station["by_site"]] == [town.station_a.name, town.station_b.name]


def test_the_dashboard_refuses_other_subtrees_residents_and_bad_input(town, api):
    assert api(town.staff_a).get("/api/v1/reports/dashboard/", {"site": town.station_b.pk}).status_code == 404
    assert api(town.staff_a).get("/api/v1/reports/dashboard/", {"site": "x"}).status_code == 400
    assert api(town.resident_a).get("/api/v1/reports/dashboard/").status_code == 403
    assert api(town.staff_a).get("/api/v1/reports/dashboard/").json()["site"] == town.station_a.pk


# ---- query counts at two sizes -----------------------------------------------------------------
def _count(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = callable_()
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_detail_and_dashboard_queries_do_not_grow_with_data(
    town, api, item_a, item_b, place, march_reports, django_assert_num_queries
):
    from reports.services import reports_build_month
    from tests.reports.conftest import MARCH

    client = api(town.admin)
    grow(town, item_a, item_b, place, 1)
    reports_build_month(month=MARCH)
    report = march_reports[town.institute.pk]
    client.get(BASE)  # the caller's scope is loaded once and kept on the user
    small = {
        "list": _count(lambda: client.get(BASE)),
        "detail": _count(lambda: client.get(url(report))),
        "dashboard": _count(lambda: client.get("/api/v1/reports/dashboard/")),
    }
    grow(town, item_a, item_b, place, 12)
    reports_build_month(month=MARCH)
    with django_assert_num_queries(small["list"]):
        assert client.get(BASE).status_code == 200
    with django_assert_num_queries(small["detail"]):
        assert client.get(url(report)).status_code == 200
    with django_assert_num_queries(small["dashboard"]):
        assert client.get("/api/v1/reports/dashboard/").status_code == 200
