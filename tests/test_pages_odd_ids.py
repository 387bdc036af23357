"""Pages that read an id from the query string or a form answer odd values without a server
error (the API has its own fuzzer; these are the HTML pages)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ODD_VALUES = ["²", "٣", "9" * 30, "-1", "abc"]
PAGES = [
    ("staff_a", "get", "/households/?site={}"),
    ("staff_a", "get", "/volunteers/teams/?site={}"),
    ("staff_a", "get", "/volunteers/pending/?site={}"),
    ("staff_a", "get", "/points/ranking/?site={}"),
    ("staff_a", "get", "/points/?household={}"),
    ("staff_a", "get", "/activities/orders/queue/?site={}"),
    ("staff_a", "get", "/activities/menu/?site={}&category={}"),
    ("grid_worker_a", "get", "/activities/menu/?resident={}"),
]


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(("persona", "method", "url"), PAGES)
def test_an_odd_id_never_becomes_a_server_error(town, persona, method, url, value):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(town, persona))
    response = getattr(client, method)(url.format(value, value))
    assert response.status_code < 500, (url, value)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_volunteer_id_when_adding_a_member_is_refused_quietly(town, value):
    client = Client(raise_request_exception=False)
    client.force_login(town.staff_a)
    response = client.post(f"/volunteers/teams/{town.team_a.pk}/", {"volunteer": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_household_choice_on_the_award_page_is_refused_quietly(town, value):
    client = Client(raise_request_exception=False)
    client.force_login(town.staff_a)
    response = client.post("/points/staff/award/", {"household": value, "rule": "public_welfare", "note": "x"})
    assert response.status_code < 500
