"""Private answers are never cached: the back button must not show a stale balance."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/points/", "/activities/orders/mine/", "/api/v1/me/"])
def test_pages_and_api_answers_to_a_logged_in_person_are_private_and_not_stored(client, town, path, login):
    login(town.resident_a)
    response = client.get(path)
    assert response.status_code == 200, path
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_may_be_cached(client):
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")
