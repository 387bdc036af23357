"""Points pages beyond their single views: page 2 of every paged page keeps its filters, exports
write values (never formulas), and buttons follow `points.permissions.actions_for`."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from points.models import HonourStatus, Product
from points.services import honours as hs
from points.views import resident, staff
from points.workflows import HONOURS
from tests.factories import HouseholdFactory
from tests.points.test_rankings import at, post_entry

pytestmark = pytest.mark.django_db

WED = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)
MID_2026 = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)


def next_link(page: str, path: str) -> str:
    """The URL the pager's "next" link leads to from `path` (its href is a query string)."""
    links = re.findall(r'<a class="button secondary" href="([^"]*)">[^<]*</a>\s*</nav>', page)
    assert links, "no next link on the page"
    href = html.unescape(links[-1])
    return path + href if href.startswith("?") else href


# ---- pagers -----------------------------------------------------------------------------------
def test_page_2_of_a_household_ledger_keeps_the_household(town, client, monkeypatch, login):
    monkeypatch.setattr(resident, "LEDGER_PAGE", 2)
    for amount in (1, 2, 3):
        post_entry(town.household_a, amount)
    login(town.staff_a)
    first = client.get(reverse("points:ledger"), {"household": town.household_a.pk}).content.decode()
    link = next_link(first, reverse("points:ledger"))
    assert f"household={town.household_a.pk}" in link and "page=2" in link
    second = client.get(link)
    assert second.status_code == 200
    assert "张建国家" in second.content.decode()
    assert second.context["page"].number == 2 and [e.amount for e in second.context["page"]] == [1]


@time_machine.travel(MID_2026, tick=False)
def test_page_2_of_the_ranking_keeps_the_site_period_and_category(town, client, monkeypatch, login):
    monkeypatch.setattr(resident, "RANKING_PAGE", 2)
    for points in (5, 4, 3):
        post_entry(HouseholdFactory(grid=town.grid_a, category="local"), points)
    login(town.staff_a)
    query = {"site": town.station_a.pk, "period": "2026", "category": "local"}
    link = next_link(client.get(reverse("points:ranking"), query).content.decode(), reverse("points:ranking"))
    for key, value in query.items():
        assert f"{key}={value}" in link
    second = client.get(link)
    assert second.status_code == 200
    assert [row["points"] for row in second.context["rows"]] == [3]
    assert second.context["category"] == "local" and second.context["site"] == town.station_a


def test_page_2_of_the_products_page_opens(town, client, monkeypatch, login):
    monkeypatch.setattr(staff, "PRODUCTS_PAGE", 2)
    for index in range(3):
        Product.objects.create(site=town.station_a, name=f"物品{index}", price=1, stock=1)
    login(town.staff_a)
    link = next_link(client.get(reverse("points:products")).content.decode(), reverse("points:products"))
    second = client.get(link)
    assert second.status_code == 200 and len(second.context["products"]) == 1


# ---- the honours export -----------------------------------------------------------------------
FORMULA_NAME = '=HYPERLINK("http://example.com/x","点我")'


@pytest.fixture
def final_with_a_formula_name(town):
    town.household_a2.name = FORMULA_NAME
    town.household_a2.save()
    post_entry(town.household_a2, 50, when=at(2026))
    with time_machine.travel(WED, tick=False):
        honour_list = hs.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=10, actor=town.staff_a
        )
        hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)
    with time_machine.travel(WED + datetime.timedelta(days=10), tick=False):
        hs.honour_list_finalise(honour_list=honour_list, actor=town.staff_a)
    town.honour_list = honour_list
    return town


def test_a_household_name_beginning_with_equals_stays_text_in_excel(final_with_a_formula_name, login):
    town = final_with_a_formula_name
    response = login(town.staff_a).get(reverse("points:honour_export", args=[town.honour_list.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == FORMULA_NAME]
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # a string, not a formula ("f")


def test_a_household_name_beginning_with_equals_stays_text_in_csv(final_with_a_formula_name, login):
    town = final_with_a_formula_name
    response = login(town.staff_a).get(reverse("points:honour_export", args=[town.honour_list.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["1", "'" + FORMULA_NAME]


def test_an_unknown_export_format_is_not_found(final_with_a_formula_name, client, login):
    town = final_with_a_formula_name
    login(town.staff_a)
    assert client.get(reverse("points:honour_export", args=[town.honour_list.pk, "pdf"])).status_code == 404


# ---- buttons follow the workflow map ----------------------------------------------------------


def _list_in(town, status: str):
    post_entry(town.household_a, 30, when=at(2026))
    with time_machine.travel(WED, tick=False):
        honour_list = hs.honour_list_freeze(
            site=town.station_a, year=2026, kind="civilized_household", size=10, actor=town.staff_a
        )
        if status in (HonourStatus.NOTICE, HonourStatus.FINAL):
            hs.honour_list_publish(honour_list=honour_list, actor=town.staff_a)
    if status == HonourStatus.FINAL:
        with time_machine.travel(WED + datetime.timedelta(days=10), tick=False):
            hs.honour_list_finalise(honour_list=honour_list, actor=town.staff_a)
    if status == HonourStatus.WITHDRAWN:
        hs.honour_list_withdraw(honour_list=honour_list, actor=town.staff_a, reason="测试")
    return honour_list


@pytest.mark.parametrize("status", sorted(HONOURS.statuses()))
def test_the_list_page_offers_exactly_the_steps_the_workflow_allows(town, login, status):
    honour_list = _list_in(town, status)
    with time_machine.travel(WED + datetime.timedelta(days=1), tick=False):
        page = login(town.staff_a).get(reverse("points:honour_detail", args=[honour_list.pk]))
    content = page.content.decode()
    offered = {
        action
        for action in ("publish", "finalise", "withdraw")
        if reverse("points:honour_action", args=[honour_list.pk, action]) in content
    }
    assert offered == HONOURS.actions_from(status)
    has_export = reverse("points:honour_export", args=[honour_list.pk, "csv"]) in content
    assert has_export == (status == HonourStatus.FINAL)


def test_staff_of_another_site_see_no_steps_even_where_they_may_see_the_list(town, login):
    honour_list = _list_in(town, HonourStatus.NOTICE)
    with time_machine.travel(WED + datetime.timedelta(days=1), tick=False):
        content = login(town.resident_a).get(reverse("points:honour_detail", args=[honour_list.pk]))
    assert reverse("points:honour_action", args=[honour_list.pk, "withdraw"]) not in content.content.decode()
    assert reverse("points:honour_object", args=[honour_list.pk]) in content.content.decode()
