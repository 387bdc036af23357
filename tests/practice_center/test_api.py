"""The organisation API: token, me, sites, categories (API.md, "Who am I, where am I")."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from practice_center.models import Role, SiteLevel
from tests.factories import PASSWORD, RoleFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttles count in the cache; each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


# ---- POST /auth/token/ ---------------------------------------------------------------------


def test_a_resident_gets_a_token_with_the_user_name_and_it_authenticates(town, api):
    response = api().post(TOKEN_URL, {"username": "resident_a", "password": PASSWORD})
    assert response.status_code == 200
    key = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "resident_a"


def test_the_phone_number_logs_in_too_and_each_log_in_gets_its_own_token(town, api):
    by_name = api().post(TOKEN_URL, {"username": "resident_a", "password": PASSWORD}).json()["token"]
    by_phone = api().post(TOKEN_URL, {"username": town.resident_a.phone, "password": PASSWORD})
    assert by_phone.status_code == 200
    assert by_phone.json()["token"] != by_name  # one token per device, revocable on its own
    for key in (by_name, by_phone.json()["token"]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/me/").json()["username"] == "resident_a"


def test_a_wrong_password_gives_400_with_a_message_and_no_token(town, api):
    response = api().post(TOKEN_URL, {"username": "resident_a", "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert not AuthToken.objects.filter(user=town.resident_a).exists()


def test_the_login_error_is_in_chinese_unless_english_is_chosen(town, api):
    body = {"username": "resident_a", "password": "wrong-password"}
    assert api().post(TOKEN_URL, body).json()["non_field_errors"] == ["用户名或手机号与密码不匹配。"]
    english = api().post(TOKEN_URL + "?lang=en", body).json()["non_field_errors"]
    assert english == ["The user name or phone number and password do not match."]


def test_an_unknown_user_gives_the_same_400_as_a_wrong_password(town, api):
    unknown = api().post(TOKEN_URL, {"username": "nobody", "password": PASSWORD})
    wrong = api().post(TOKEN_URL, {"username": "resident_a", "password": "nope-nope"})
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_a_deactivated_user_gets_no_token(town, api):
    town.resident_a.is_active = False
    town.resident_a.save(update_fields=["is_active"])
    assert api().post(TOKEN_URL, {"username": "resident_a", "password": PASSWORD}).status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        pytest.param("{}", "application/json", {"username", "password"}, id="empty"),
        pytest.param('{"username": "resident_a"}', "application/json", {"password"}, id="no-password"),
        pytest.param(
            '{"username": ["a"], "password": {"x": 1}}', "application/json", {"username", "password"}, id="not-strings"
        ),
        pytest.param("[1, 2]", "application/json", {"non_field_errors"}, id="a-list"),
        pytest.param('"a string"', "application/json", {"non_field_errors"}, id="a-string"),
        pytest.param(b"\xff\xfe\xfa", "application/json", {"detail"}, id="not-utf-8"),
        pytest.param("{not json", "application/json", {"detail"}, id="not-json"),
        pytest.param(
            '{"username": "' + "x" * 5000 + '", "password": "p"}', "application/json", {"username"}, id="5000-char-name"
        ),
    ],
)
def test_garbage_token_requests_give_400_with_messages(town, api, body, content_type, fields):
    response = api().generic("POST", TOKEN_URL, body, content_type=content_type)
    assert response.status_code == 400
    assert fields <= set(response.json())


def test_logging_in_too_often_is_throttled_with_retry_after(town, api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    client = api()
    for _ in range(2):
        assert client.post(TOKEN_URL, {"username": "resident_a", "password": "wrong"}).status_code == 400
    response = client.post(TOKEN_URL, {"username": "resident_a", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_session_auth_works_for_reads_and_needs_the_csrf_token_for_writes(town, login):
    client = login(town.resident_a, client=Client(enforce_csrf_checks=True))
    assert client.get("/api/v1/me/").status_code == 200
    body = {"real_name": "张建国", "skills": ["文艺"]}
    without = client.post("/api/v1/volunteers/", body, content_type="application/json")
    assert without.status_code == 403
    csrf = _get_new_csrf_string()  # what a page's form would have set as the CSRF cookie
    client.cookies["csrftoken"] = csrf
    with_token = client.post("/api/v1/volunteers/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert with_token.status_code == 201


# ---- GET /me/ ------------------------------------------------------------------------------


def test_anonymous_callers_get_401_from_me(town, api):
    assert api().get("/api/v1/me/").status_code == 401


def test_me_tells_a_resident_their_household_station_and_own_phone(town, api):
    body = api(town.resident_a).get("/api/v1/me/").json()
    assert body["id"] == town.resident_a.pk
    assert body["username"] == "resident_a"
    assert body["display_name"] == "张建国"
    assert body["phone"] == town.resident_a.phone  # own number, unmasked
    assert body["roles"] == []
    assert body["household"] == town.household_a.pk
    assert body["station"] == town.station_a.pk
    assert body["volunteer"] is None


def test_me_lists_the_site_role_of_station_staff(town, api):
    body = api(town.staff_a).get("/api/v1/me/").json()
    assert body["roles"] == [{"role": "station_staff", "site": town.station_a.pk}]
    assert body["station"] == town.station_a.pk
    assert body["household"] is None


def test_me_lists_the_center_admin_and_grid_worker_roles(town, api):
    assert api(town.admin).get("/api/v1/me/").json()["roles"] == [{"role": "center_admin", "site": town.center.pk}]
    grid = api(town.grid_worker_a).get("/api/v1/me/").json()
    assert grid["roles"] == [{"role": "grid_worker", "grid": town.grid_a.pk}]


def test_me_lists_team_leadership_and_the_volunteer_id(town, api):
    body = api(town.leader_a_user).get("/api/v1/me/").json()
    assert body["roles"] == [{"role": "team_leader", "team": town.team_a.pk}]
    assert body["volunteer"] == town.leader_a.pk


def test_me_merges_several_roles(town, api):
    RoleFactory(user=town.leader_a_user, role=Role.STATION_STAFF, site=town.station_a)
    roles = api(town.leader_a_user).get("/api/v1/me/").json()["roles"]
    assert {"role": "station_staff", "site": town.station_a.pk} in roles
    assert {"role": "team_leader", "team": town.team_a.pk} in roles


def test_me_refuses_writes(town, api):
    assert api(town.resident_a).post("/api/v1/me/", {}).status_code == 405


# ---- GET /sites/ ---------------------------------------------------------------------------


def test_anonymous_callers_get_401_from_sites(town, api):
    assert api().get("/api/v1/sites/").status_code == 401
    assert api().get(f"/api/v1/sites/{town.station_a.pk}/").status_code == 401


def test_everyone_signed_in_sees_the_whole_active_tree_in_path_order(town, api):
    SiteFactory(name="关闭的站", level=SiteLevel.STATION, parent=town.institute, is_active=False)
    for user in (town.resident_a, town.staff_b, town.admin):
        body = api(user).get("/api/v1/sites/").json()
        assert body["count"] == 5
        assert [row["id"] for row in body["results"]][:2] == [town.center.pk, town.institute.pk]


def test_sites_filter_by_level(town, api):
    body = api(town.resident_a).get("/api/v1/sites/", {"level": "station"}).json()
    assert {row["id"] for row in body["results"]} == {town.station_a.pk, town.station_b.pk}


def test_sites_filter_by_parent_lists_direct_children_only(town, api):
    body = api(town.resident_a).get("/api/v1/sites/", {"parent": town.institute.pk}).json()
    assert {row["id"] for row in body["results"]} == {town.station_a.pk, town.station_b.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"level": "village"}, "level", id="unknown-level"),
        pytest.param({"parent": "abc"}, "parent", id="parent-letters"),
        pytest.param({"parent": "999999"}, "parent", id="unknown-parent"),
        pytest.param({"parent": "9" * 26}, "parent", id="parent-26-digits"),
        pytest.param({"parent": "-1"}, "parent", id="parent-minus-one"),
    ],
)
def test_bad_site_filters_give_400_naming_the_field(town, api, params, field):
    response = api(town.resident_a).get("/api/v1/sites/", params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("page", ["abc", "0", "999", pytest.param("9" * 23, id="23-digits")])
def test_a_bad_page_gives_404_not_500(town, api, page):
    assert api(town.resident_a).get("/api/v1/sites/", {"page": page}).status_code == 404


def test_page_size_is_capped_at_100(town, api):
    body = api(town.resident_a).get("/api/v1/sites/", {"page_size": 100000}).json()
    assert body["count"] == 5
    assert body["next"] is None


def test_a_site_shows_address_rooms_checklist_and_its_ancestors(town, api):
    site = town.station_a
    site.phone = "0731-1234567"
    site.opening_hours = "周一至周五 8:30-17:30"
    site.latitude, site.longitude = "28.228209", "112.938814"
    site.rooms = ["道德讲堂", "农家书屋"]
    site.checklist = {"place": True, "plan": True}
    site.save()
    body = api(town.resident_b).get(f"/api/v1/sites/{site.pk}/").json()
    assert body["name"] == "幸福村实践站"
    assert body["level"] == "station"
    assert body["parent"] == town.institute.pk
    assert body["address"] == site.address
    assert body["phone"] == "0731-1234567"
    assert body["opening_hours"] == "周一至周五 8:30-17:30"
    assert body["latitude"] == "28.228209"
    assert body["rooms"] == ["道德讲堂", "农家书屋"]
    assert body["checklist"] == {
        "place": True,
        "plan": True,
        "team": False,
        "projects": False,
        "rules": False,
        "records": False,
    }
    assert [a["id"] for a in body["ancestors"]] == [town.center.pk, town.institute.pk]


def test_the_center_has_no_ancestors(town, api):
    body = api(town.resident_a).get(f"/api/v1/sites/{town.center.pk}/").json()
    assert body["ancestors"] == []
    assert body["parent"] is None


@pytest.mark.parametrize("pk", ["999999", "abc", pytest.param("9" * 23, id="23-digits")])
def test_an_unknown_site_is_404(town, api, pk):
    assert api(town.resident_a).get(f"/api/v1/sites/{pk}/").status_code == 404


def test_an_inactive_site_is_404(town, api):
    closed = SiteFactory(level=SiteLevel.STATION, parent=town.institute, is_active=False)
    assert api(town.staff_a).get(f"/api/v1/sites/{closed.pk}/").status_code == 404


def test_sites_cannot_be_written_through_the_api(town, api):
    assert api(town.admin).post("/api/v1/sites/", {"name": "x", "level": "station"}).status_code == 405
    assert api(town.admin).delete(f"/api/v1/sites/{town.station_a.pk}/").status_code == 405


def test_the_site_list_costs_the_same_queries_for_5_or_45_sites(town, django_assert_num_queries, login):
    client = login(town.staff_a, token=True)
    # token+user, count, page (the tree is public, so no role lookups)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/sites/").json()["count"] == 5
    for index in range(40):
        SiteFactory(name=f"站{index}", level=SiteLevel.STATION, parent=town.institute)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/sites/").json()["count"] == 45


def test_a_site_detail_costs_a_fixed_number_of_queries(town, django_assert_num_queries, login):
    client = login(town.resident_a, token=True)
    point = town.point_a
    # token+user, the site, its ancestors
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/sites/{point.pk}/").status_code == 200


# ---- GET /categories/ ----------------------------------------------------------------------


def test_anonymous_callers_get_401_from_categories(db, api):
    assert api().get("/api/v1/categories/").status_code == 401


def test_categories_answer_in_chinese_by_default(town, api):
    rows = api(town.resident_a).get("/api/v1/categories/").json()["results"]
    theory = next(row for row in rows if row["code"] == "theory")
    assert theory == {
        "id": theory["id"],
        "code": "theory",
        "name": "理论宣讲",
        "name_zh": "理论宣讲",
        "name_en": "Theory outreach",
        "is_platform": True,
    }


def test_categories_answer_in_english_when_asked(town, api):
    rows = api(town.resident_a).get("/api/v1/categories/", {"lang": "en"}).json()["results"]
    assert next(row for row in rows if row["code"] == "theory")["name"] == "Theory outreach"


def test_the_five_platforms_are_marked(town, api):
    rows = api(town.staff_a).get("/api/v1/categories/", {"page_size": 100}).json()["results"]
    assert {row["code"] for row in rows if row["is_platform"]} == {
        "theory",
        "culture",
        "education",
        "sports",
        "science",
    }


def test_an_unknown_category_is_404(town, api):
    assert api(town.resident_a).get("/api/v1/categories/999999/").status_code == 404


def test_a_user_without_a_household_or_role_has_no_station(db, api):
    loner = UserFactory(username="loner")
    body = api(loner).get("/api/v1/me/").json()
    assert (body["household"], body["station"], body["roles"]) == (None, None, [])


# ---- schema and docs -----------------------------------------------------------------------


def test_the_schema_publishes_the_foundation_endpoints(db, api):
    response = api().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/sites/",
        "/api/v1/sites/{id}/",
        "/api/v1/categories/",
        "/api/v1/volunteers/",
        "/api/v1/volunteers/{id}/approve/",
        "/api/v1/volunteers/{volunteer_pk}/service-records/",
        "/api/v1/service-records/{id}/verify/",
        "/api/v1/teams/{id}/",
    ):
        assert path in paths


def test_the_docs_page_serves_swagger_ui_from_the_sidecar_without_a_cdn(db, api):
    import re

    from django.contrib.staticfiles import finders

    response = api().get("/api/docs/")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        if asset == "/api/docs/?script=":  # the page's own start-up script, a file (no inline script, CSP)
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


# ---- every foundation read endpoint, every persona -----------------------------------------

READ_URLS = [
    "/api/v1/me/",
    "/api/v1/sites/",
    "/api/v1/sites/{station_a}/",
    "/api/v1/categories/",
    "/api/v1/volunteers/",
    "/api/v1/teams/",
    "/api/v1/teams/{team_a}/",
    "/api/v1/service-records/",
]


def _url(template: str, town) -> str:
    return template.format(station_a=town.station_a.pk, team_a=town.team_a.pk)


@pytest.mark.parametrize("template", READ_URLS)
def test_every_foundation_read_needs_a_login(town, api, template):
    response = api().get(_url(template, town))
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("template", READ_URLS)
@pytest.mark.parametrize("persona", ["resident_a", "staff_a", "staff_b", "grid_worker_a", "leader_a_user", "admin"])
def test_every_persona_can_read_the_foundation_endpoints(town, api, template, persona):
    assert api(getattr(town, persona)).get(_url(template, town)).status_code == 200
