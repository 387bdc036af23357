"""A Content-Security-Policy that the pages pass: scripts only from the portal (the one inline
script carries the request's nonce), nothing framed, no plugins."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/"])
def test_every_answer_carries_the_policy(client, town, path, login):
    login(town.resident_a)
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    # A nonce is added only to pages that use one (the check-in page's auto-submit).
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_the_api_docs_run_no_inline_script(client, town, login):
    login(town.resident_a)
    body = client.get("/api/docs/").content.decode()
    inline = [m for m in re.findall(r"<script([^>]*)>(.*?)</script>", body, flags=re.S) if m[1].strip()]
    assert inline == []
