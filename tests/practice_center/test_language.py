"""Simplified Chinese unless the person chose English."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_even_when_the_browser_asks_for_english():
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans"' in response.content.decode()


def test_lang_parameter_switches_to_english_and_is_remembered():
    client = Client()
    response = client.get("/accounts/login/?lang=en")
    assert '<html lang="en"' in response.content.decode()
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en"' in client.get("/accounts/login/").content.decode()


def test_the_language_switch_sets_the_cookie():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.cookies["django_language"].value == "en"


def test_an_unknown_language_falls_back_to_chinese():
    response = Client().get("/accounts/login/?lang=fr")
    assert response["Content-Language"] == "zh-hans"


def test_elderly_mode_switch_enlarges_text_and_is_remembered(town, password, login):
    client = login(town.resident_a)
    client.post("/elderly-mode/", {"enabled": "1", "next": "/"})
    town.resident_a.refresh_from_db()
    assert town.resident_a.elderly_mode
    assert 'class="elderly"' in client.get("/sites/").content.decode()


def test_elderly_mode_refuses_an_offsite_next():
    response = Client().post("/elderly-mode/", {"enabled": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_null_character_in_a_query_string_is_a_bad_request():
    response = Client().get("/api/v1/categories/?q=%00")
    assert response.status_code == 400
    assert Client().get("/accounts/login/?next=%00").status_code == 400


def test_a_null_character_in_a_form_field_is_a_bad_request():
    response = Client().post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
