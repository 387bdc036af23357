"""Page 2 of every paged page of the organisation, volunteers and orders keeps the page's
filters (the one pager, templates/_pager.html, writes them into its links)."""

from __future__ import annotations

import datetime
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from activities.models import Category, MenuItem, Order, OrderKind, OrderStatus
from practice_center.models import Household
from tests.factories import TeamFactory, UserFactory, VolunteerFactory
from volunteers.models import ServiceRecord


def _orders(town, n: int, **fields) -> None:
    Order.objects.bulk_create(
        Order(resident=town.resident_a, site=town.station_a, title=f"心愿{i}", kind=OrderKind.WISH, **fields)
        for i in range(n)
    )


def households(town):
    Household.objects.bulk_create(
        Household(grid=town.grid_a, name=f"测试户{i}", join_code=f"T{i:05d}") for i in range(55)
    )


def pending_volunteers(town):
    for _ in range(51):
        VolunteerFactory(user=UserFactory(household=town.household_a), site=town.station_a, status="pending")


def records(town):
    ServiceRecord.objects.bulk_create(
        ServiceRecord(volunteer=town.member_a, hours=1, served_on=datetime.date(2026, 1, 1), source="manual")
        for _ in range(51)
    )


def teams(town):
    for _ in range(51):
        TeamFactory(site=town.station_a)


def my_orders(town):
    _orders(town, 31, status=OrderStatus.CANCELLED)


def wishes(town):
    _orders(town, 31, is_public=True)


def queue(town):
    _orders(town, 31)


def menu(town):
    law = Category.objects.get(code="law")
    MenuItem.objects.bulk_create(MenuItem(site=town.station_a, category=law, title=f"服务{i}") for i in range(51))


# (page name, who looks, rows maker, filters as the page's form sends them, rows on page 2);
# pages without filters keep any other parameter (here the language).
PAGES = [
    ("household_list", "staff_a", households, {"q": "测试户", "site": "{station_a}"}, 5),
    ("volunteers:pending", "staff_a", pending_volunteers, {"site": "{station_a}"}, 1),
    ("volunteers:records", "staff_a", records, {"site": "{station_a}"}, 1),
    ("volunteers:team_list", "staff_a", teams, {"site": "{station_a}"}, 2),  # with team_a
    ("activities:my_orders", "resident_a", my_orders, {"lang": "zh-hans"}, 1),
    ("activities:wishes", "resident_a", wishes, {"lang": "zh-hans"}, 1),
    ("activities:queue", "staff_a", queue, {"status": "submitted", "site": "{station_a}"}, 1),
    ("activities:menu_manage", "staff_a", menu, {"lang": "zh-hans"}, 1),
]


@pytest.mark.parametrize(("name", "who", "make", "filters", "left"), PAGES, ids=[p[0] for p in PAGES])
def test_page_two_keeps_the_filters(client, town, name, who, make, filters, left, login):
    make(town)
    query = {key: value.format(station_a=town.station_a.pk) for key, value in filters.items()}
    login(getattr(town, who))
    first = client.get(reverse(name), query)
    assert first.status_code == 200
    links = [unescape(part.split('"')[0]) for part in first.content.decode().split('href="?')[1:]]
    next_link = next(link for link in links if "page=2" in link)
    assert {key: values[0] for key, values in parse_qs(next_link).items()} == {**query, "page": "2"}
    second = client.get(f"{reverse(name)}?{next_link}")
    assert second.status_code == 200 and second.context["page"].number == 2
    assert len(second.context["page"].object_list) == left
