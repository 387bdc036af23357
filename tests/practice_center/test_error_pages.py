"""Error pages in the portal's look and the reader's language, with a way back."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "title"), [("zh-hans", "页面不存在"), ("en", "Page not found")], ids=["chinese", "english"]
)
def test_a_missing_page_answers_404_in_the_portal_look_and_language(client, lang, title):
    client.cookies["django_language"] = lang
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert title in body and 'href="/"' in body and "portal.css" in body


@pytest.mark.django_db
def test_a_refused_page_answers_403_with_its_reason(client, town, login):
    login(town.resident_a)
    response = client.get("/activities/orders/queue/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "您无权访问" in body
    assert 'href="/"' in body


@pytest.mark.django_db
def test_a_stale_form_is_explained_not_called_csrf(town):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "resident_a", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "CSRF" not in body
    assert "页面打开太久" in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_server_error_page_renders_without_a_request_context():
    from django.template import loader

    body = loader.get_template("500.html").render()
    assert "portal.css" in body and 'href="/"' in body


@pytest.mark.django_db
def test_api_docs_are_served_offline_and_redoc_which_loads_web_fonts_is_gone(client, town, login):
    login(town.resident_a)
    docs = client.get("/api/docs/").content.decode()
    assert "http://" not in docs.replace("http://testserver", "") and "https://" not in docs
    assert client.get("/api/redoc/").status_code == 404


@pytest.mark.django_db
def test_every_page_has_a_description_and_an_icon_and_favicon_ico_answers(client):
    body = client.get("/").content.decode()
    assert '<meta name="description" content="本镇新时代文明实践服务平台' in body
    assert 'rel="icon"' in body
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
