"""Pages that read an id from the query string or a form answer odd values without a server
error (the API has its own fuzzer; these are the HTML pages). Each row names a parameter the
page reads."""

import pytest
from django.test import Client

from activities.models import Order
from points.models import Entry
from tests.factories import MenuItemFactory

pytestmark = pytest.mark.django_db

ODD_VALUES = [
    pytest.param("²", id="superscript-two"),
    pytest.param("٣", id="arabic-indic-three"),
    pytest.param("9" * 30, id="30-digits"),
    pytest.param("-1", id="minus-one"),
    pytest.param("abc", id="letters"),
]
PAGES = [
    pytest.param("staff_a", "get", "/households/?site={}", id="households-site"),
    pytest.param("staff_a", "get", "/volunteers/teams/?site={}", id="teams-site"),
    pytest.param("staff_a", "get", "/volunteers/pending/?site={}", id="pending-volunteers-site"),
    pytest.param("staff_a", "get", "/points/ranking/?site={}", id="ranking-site"),
    pytest.param("staff_a", "get", "/points/ledger/?household={}", id="ledger-household"),
    pytest.param("staff_a", "get", "/activities/orders/queue/?site={}&category={}", id="order-queue-site-category"),
    pytest.param("resident_a", "get", "/activities/menu/?category={}", id="menu-category"),
]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(("persona", "method", "url"), PAGES)
def test_an_odd_id_never_becomes_a_server_error(town, login, persona, method, url, value):
    client = login(getattr(town, persona), client=Client(raise_request_exception=False))
    response = getattr(client, method)(url.format(value, value))
    assert response.status_code < 500, (url, value)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_volunteer_id_when_adding_a_member_is_refused_quietly(town, login, value):
    client = login(town.staff_a, client=Client(raise_request_exception=False))
    members = set(town.team_a.memberships.values_list("volunteer_id", flat=True))
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"volunteer": value})
    assert response.status_code < 500
    assert set(town.team_a.memberships.values_list("volunteer_id", flat=True)) == members


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_household_choice_on_the_award_page_is_refused_quietly(town, login, value):
    client = login(town.staff_a, client=Client(raise_request_exception=False))
    response = client.post("/points/staff/award/", {"household": value, "rule": "public_welfare", "note": "x"})
    assert response.status_code < 500
    assert not Entry.objects.exists()


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_resident_choice_on_a_grid_workers_order_form_is_refused_quietly(town, login, value):
    item = MenuItemFactory(site=town.station_a)
    client = login(town.grid_worker_a, client=Client(raise_request_exception=False))
    response = client.post(f"/activities/menu/{item.pk}/order/", {"resident": value, "description": "x"})
    assert response.status_code < 500
    assert not Order.objects.exists()
