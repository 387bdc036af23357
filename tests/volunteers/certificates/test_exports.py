"""Hours exports (Excel and CSV through practice_center.exports) per volunteer, team, site, period."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.volunteers.certificates.conftest import H1_FROM, H1_TO, add_record
from volunteers import certificates as service

EXPORT = "/volunteers/hours/export/"


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def body_rows(rows):
    """Data rows: without the header and the closing total row."""
    return rows[1:-1]


def test_the_export_rows_sum_to_the_certificates_hours(client, town, hours_a, login):
    certificate = service.certificate_issue(
        volunteer=town.member_a, date_from=H1_FROM, date_to=H1_TO, actor=town.member_a.user
    )
    login(town.member_a.user)
    response = client.get(EXPORT, {"format": "csv", "date_from": "2026-01-01", "date_to": "2026-06-30"})
    rows = csv_rows(response)
    hours = [Decimal(row[5]) for row in body_rows(rows)]
    assert sum(hours) == certificate.hours == Decimal("5.50")
    assert Decimal(rows[-1][5]) == certificate.hours  # the total row
    # And in Excel.
    response = client.get(EXPORT, {"format": "xlsx", "date_from": "2026-01-01", "date_to": "2026-06-30"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert sum(Decimal(str(row[5])) for row in values[1:-1]) == certificate.hours


def test_a_row_has_date_activity_hours_who_verified_and_category(client, town, hours_a, login):
    login(town.member_a.user)
    rows = csv_rows(client.get(EXPORT, {"format": "csv", "date_from": "2026-01-01", "date_to": "2026-01-01"}))
    assert rows[0] == ["日期", "志愿者", "活动或订单", "来源", "类别", "时长", "核实人", "核实时间"]
    date, name, what, _source, category, hours, verified_by, _at = rows[1]
    assert (date, name, what, category, hours, verified_by) == (
        "2026-01-01",
        "志愿者甲",
        "敬老院慰问",
        "手工录入",
        "2.00",
        "站管理员甲",
    )


def test_pending_and_rejected_records_are_not_exported(client, town, hours_a, login):
    login(town.member_a.user)
    rows = csv_rows(client.get(EXPORT, {"format": "csv", "date_from": "2026-03-01", "date_to": "2026-03-02"}))
    assert body_rows(rows) == []


def test_a_volunteer_exports_only_their_own_hours(client, town, hours_a, login):
    add_record(town.leader_a, 9, datetime.date(2026, 2, 2), by=town.staff_a)
    login(town.member_a.user)
    rows = body_rows(csv_rows(client.get(EXPORT, {"format": "csv"})))
    assert {row[1] for row in rows} == {"志愿者甲"}
    assert client.get(EXPORT, {"format": "csv", "volunteer": town.leader_a.pk}).status_code == 404
    assert client.get(EXPORT, {"format": "csv", "team": town.team_a.pk}).status_code == 403
    assert client.get(EXPORT, {"format": "csv", "site": town.station_a.pk}).status_code == 403


def test_the_leader_cannot_export_a_members_hours(client, town, hours_a, login):
    login(town.leader_a.user)
    assert client.get(EXPORT, {"format": "csv", "volunteer": town.member_a.pk}).status_code == 403


def test_staff_export_a_team_and_a_site_of_their_subtree(client, town, hours_a, login):
    add_record(town.leader_a, 9, datetime.date(2026, 2, 2), by=town.staff_a)
    add_record(town.leader_b, 4, datetime.date(2026, 2, 2), by=town.staff_b)
    login(town.staff_a)
    team_rows = body_rows(csv_rows(client.get(EXPORT, {"format": "csv", "team": town.team_a.pk})))
    assert sum(Decimal(r[5]) for r in team_rows) == Decimal("32.5")  # 2 + 3.5 + 7 + 11 + 9
    site_rows = body_rows(csv_rows(client.get(EXPORT, {"format": "csv", "site": town.station_a.pk})))
    assert sorted(site_rows) == sorted(team_rows)
    all_rows = body_rows(csv_rows(client.get(EXPORT, {"format": "csv"})))
    assert "队长乙" not in {r[1] for r in all_rows}


def test_staff_of_another_station_get_nothing_of_station_a(client, town, hours_a, login):
    login(town.staff_b)
    assert client.get(EXPORT, {"format": "csv", "volunteer": town.member_a.pk}).status_code == 404
    assert client.get(EXPORT, {"format": "csv", "team": town.team_a.pk}).status_code == 403
    assert client.get(EXPORT, {"format": "csv", "site": town.station_a.pk}).status_code == 403
    assert body_rows(csv_rows(client.get(EXPORT, {"format": "csv"}))) == []


def test_the_institute_exports_its_stations(client, town, hours_a, login):
    add_record(town.leader_b, 4, datetime.date(2026, 2, 2), by=town.staff_b)
    login(town.institute_staff)
    rows = body_rows(csv_rows(client.get(EXPORT, {"format": "csv", "site": town.institute.pk})))
    assert {r[1] for r in rows} == {"志愿者甲", "队长乙"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"format": "pdf"},
        {"format": "csv", "date_from": "yesterday"},
        {"volunteer": "x", "team": "²", "site": "9" * 40},
        {"format": "csv", "volunteer": "999999999"},
    ],
)
def test_odd_parameters_never_give_a_server_error(client, town, hours_a, params, login):
    login(town.staff_a)
    assert client.get(EXPORT, params).status_code in (200, 404)


def test_a_formula_in_a_description_is_written_as_text(client, town, hours_a, login):
    add_record(town.member_a, 1, datetime.date(2026, 4, 4), by=town.staff_a, description='=HYPERLINK("x")')
    login(town.member_a.user)
    rows = csv_rows(client.get(EXPORT, {"format": "csv", "date_from": "2026-04-04", "date_to": "2026-04-04"}))
    assert rows[1][2].startswith("'=")


def test_the_export_takes_the_same_queries_for_few_and_many_rows(
    client, town, hours_a, django_assert_num_queries, login
):
    login(town.staff_a)
    params = {"format": "csv", "team": town.team_a.pk}
    client.get(EXPORT, params)
    with django_assert_num_queries(6) as few:
        client.get(EXPORT, params)
    for day in range(1, 21):
        add_record(town.leader_a, 1, datetime.date(2026, 8, day), by=town.staff_a)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(EXPORT, params)


def test_the_export_page_shows_the_form(client, town, hours_a, login):
    login(town.staff_a)
    response = client.get(EXPORT, {"team": town.team_a.pk})
    assert response.status_code == 200
    assert "幸福村志愿服务队" in response.content.decode()
