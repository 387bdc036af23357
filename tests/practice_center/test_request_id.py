"""Request ids: every response carries one; a proxy's well-formed id is kept, a bad one replaced."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param("abc-123.x_y", True, id="well-formed"),
        pytest.param("a" * 65, False, id="too-long"),
        pytest.param("bad id<script>", False, id="odd-characters"),
    ],
)
def test_a_proxys_request_id_is_kept_only_when_well_formed(client, given, kept):
    answered = client.get("/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert (answered == given) is kept
