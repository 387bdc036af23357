"""Pages of the organisation: register, log in, home per role, profile, sites, households."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import reverse

from practice_center.models import Household, Site, SiteLevel, User
from tests.factories import GridFactory, HouseholdFactory, SiteFactory, UserFactory, VolunteerFactory

REGISTER = "/accounts/register/"


def register_data(grid_, **overrides) -> dict:
    data = {
        "phone": "13912345678",
        "name": "王秀英",
        "password1": "long-enough-9",
        "password2": "long-enough-9",
        "household_mode": "new",
        "grid": grid_.pk,
        "household_name": "王秀英家",
        "household_category": "local",
        "address": "幸福村3组5号",
        "join_code": "",
    }
    data.update(overrides)
    return data


# ---- registration ---------------------------------------------------------------------------


def test_a_resident_registers_a_new_household_and_lands_logged_in_on_home(client, town):
    response = client.post(REGISTER, register_data(town.grid_a))
    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get(phone="13912345678")
    assert user.name == "王秀英"
    assert user.household.name == "王秀英家"
    assert user.household.grid == town.grid_a
    assert client.session[SESSION_KEY] == str(user.pk)
    home = client.get("/")
    assert "王秀英" in home.content.decode()


def test_a_family_member_joins_the_household_with_its_join_code_typed_loosely(client, town):
    code = town.household_a.join_code
    loose = f" {code[:3].lower()}-{code[3:].lower()} "
    response = client.post(REGISTER, register_data(town.grid_b, household_mode="join", join_code=loose, grid=""))
    assert response.status_code == 302
    user = User.objects.get(phone="13912345678")
    assert user.household == town.household_a
    assert Household.objects.count() == 3


def test_a_wrong_join_code_shows_an_error_and_keeps_what_was_typed(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, household_mode="join", join_code="ZZZZZZ"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "join_code" in response.context["form"].errors
    assert 'value="王秀英"' in html
    assert 'value="13912345678"' in html
    assert not User.objects.filter(phone="13912345678").exists()


def test_bad_phone_and_different_passwords_show_field_errors_and_keep_the_name(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, phone="12345", password2="something-else"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"phone", "password2"}
    assert 'value="王秀英"' in response.content.decode()
    assert 'value="12345"' in response.content.decode()


def test_a_new_household_needs_a_grid_and_a_name(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, grid="", household_name=""))
    assert set(response.context["form"].errors) >= {"grid", "household_name"}


def test_a_grid_that_does_not_exist_is_a_form_error_not_a_crash(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, grid="999999"))
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors


def test_a_weak_password_is_refused_with_the_validator_message(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, password1="12345678", password2="12345678"))
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors


def test_a_registered_phone_cannot_register_again(client, town):
    response = client.post(REGISTER, register_data(town.grid_a, phone=town.resident_a.phone))
    assert "phone" in response.context["form"].errors


def test_the_register_page_groups_grids_by_station_and_names_no_household(client, town):
    html = client.get(REGISTER).content.decode()
    assert '<optgroup label="幸福村实践站">' in html
    assert "幸福村实践站 · 一网格" in html
    for household in Household.objects.exclude(name="张建国家"):  # that one is also the help text's example
        assert household.name not in html
    for code in Household.objects.values_list("join_code", flat=True):
        assert code not in html


def test_someone_logged_in_is_sent_home_from_the_register_page(client, town, login):
    login(town.resident_a)
    assert client.get(REGISTER).url == "/"


# ---- log in, language ------------------------------------------------------------------------


def test_a_resident_logs_in_with_the_phone_number_and_sees_a_chinese_home(client, town, password):
    response = client.post("/accounts/login/", {"username": town.resident_a.phone, "password": password})
    assert response.status_code == 302
    home = client.get("/")
    html = home.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "你好，张建国" in html


def test_the_home_page_is_english_with_the_language_cookie(client, town, login):
    login(town.resident_a)
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Hello, 张建国" in html


def test_the_home_page_is_english_with_lang_in_the_url(client, town, login):
    login(town.resident_a)
    html = client.get("/?lang=en").content.decode()
    assert "Hello, 张建国" in html
    assert "My profile" in html


def test_a_wrong_password_shows_a_message_and_keeps_the_phone(client, town):
    response = client.post("/accounts/login/", {"username": town.resident_a.phone, "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert f'value="{town.resident_a.phone}"' in response.content.decode()


def test_logging_out_ends_the_session(client, town, login):
    login(town.resident_a)
    client.post("/accounts/logout/")
    assert SESSION_KEY not in client.session


# ---- profile and password --------------------------------------------------------------------


def test_the_profile_shows_the_own_phone_in_full_the_household_members_and_join_code(client, town, login):
    login(town.resident_a)
    html = client.get("/accounts/profile/").content.decode()
    assert town.resident_a.phone in html
    assert town.household_a.join_code in html
    assert "队长甲" in html  # the other member of the household
    assert town.leader_a_user.phone not in html


def test_the_profile_needs_a_login(client, town):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_person_changes_the_password_and_can_log_in_with_it(client, town, password, login):
    login(town.resident_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "a-new-pass-77", "new_password2": "a-new-pass-77"},
    )
    assert response.status_code == 302
    town.resident_a.refresh_from_db()
    assert town.resident_a.check_password("a-new-pass-77")


def test_a_wrong_old_password_is_a_form_error(client, town, login):
    login(town.resident_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "a-new-pass-77", "new_password2": "a-new-pass-77"},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


def test_elderly_mode_from_the_profile_is_remembered(client, town, login):
    login(town.resident_a)
    client.post("/elderly-mode/", {"enabled": "1", "next": "/accounts/profile/"})
    town.resident_a.refresh_from_db()
    assert town.resident_a.elderly_mode
    assert 'class="elderly"' in client.get("/accounts/profile/").content.decode()


# ---- home per role ---------------------------------------------------------------------------


def labels(response) -> list[str]:
    return [str(action.label) for action in response.context["actions"]]


def test_a_resident_home_offers_the_station_volunteering_and_profile(client, town, login):
    login(town.resident_a)
    response = client.get("/?lang=en")
    assert {"My station", "Become a volunteer", "My profile"} <= set(labels(response))
    assert response.context["overview"] is None


def test_a_team_leader_home_offers_the_team_and_hours(client, town, login):
    login(town.leader_a_user)
    found = labels(client.get("/?lang=en"))
    assert "My team" in found
    assert "My hours and stars" in found
    assert "Become a volunteer" not in found


def test_a_grid_worker_home_offers_the_grid_households(client, town, login):
    login(town.grid_worker_a)
    assert "My grid's households" in labels(client.get("/?lang=en"))


def test_station_staff_see_their_station_figures_and_not_another_station(client, town, login):
    login(town.staff_a)
    response = client.get("/?lang=en")
    overview = response.context["overview"]
    assert [row.station for row in overview.rows] == [town.station_a]
    row = overview.rows[0]
    assert (row.households, row.volunteers, row.teams) == (2, 2, 1)
    assert "和平村实践站" not in response.content.decode()
    assert {"Volunteer approvals", "Hours to verify", "Teams"} <= set(labels(response))


def test_the_center_admin_sees_every_station_with_totals(client, town, login):
    login(town.admin)
    overview = client.get("/").context["overview"]
    assert [row.station for row in overview.rows] == [town.station_a, town.station_b]
    assert overview.totals.households == 3
    assert overview.totals.teams == 2


def add_stations(town, count: int) -> None:
    for n in range(count):
        station = SiteFactory(name=f"新站{n}", level=SiteLevel.STATION, parent=town.institute)
        grid = GridFactory(station=station)
        for _ in range(3):
            household = HouseholdFactory(grid=grid)
            UserFactory(household=household)
        VolunteerFactory(site=station, status="pending")


@pytest.mark.parametrize("extra_stations", [0, 6])
def test_the_admin_home_costs_the_same_queries_for_any_number_of_stations(
    client, town, extra_stations, django_assert_num_queries, login
):
    add_stations(town, extra_stations)
    login(town.admin)
    with django_assert_num_queries(HOME_QUERIES_ADMIN):
        response = client.get("/")
    assert len(response.context["overview"].rows) == 2 + extra_stations


@pytest.mark.parametrize("extra_households", [0, 20])
def test_the_staff_home_costs_the_same_queries_for_any_number_of_households(
    client, town, extra_households, django_assert_num_queries, login
):
    for _ in range(extra_households):
        HouseholdFactory(grid=town.grid_a)
        VolunteerFactory(site=town.station_a, status="pending")
    login(town.staff_a)
    with django_assert_num_queries(HOME_QUERIES_STAFF):
        response = client.get("/")
    assert response.context["overview"].rows[0].households == 2 + extra_households


# 13 for the page and the overview, plus 17 for the reports dashboard (this month so far: ten
# grouped figures queries, the child sites, top households and their names, stations and
# overdue orders), the same for any amount of data (tests/reports/test_views.py). On SQLite the
# three medians and 90th percentiles take one ORDER BY/OFFSET query each (six more); PostgreSQL
# computes them with percentile_cont inside the grouped query.
HOME_QUERIES_ADMIN = 30 if connection.vendor == "postgresql" else 35
HOME_QUERIES_STAFF = 30 if connection.vendor == "postgresql" else 35


# ---- sites -----------------------------------------------------------------------------------


def test_anyone_may_browse_the_site_tree(client, town):
    html = client.get("/sites/").content.decode()
    for name in ("城关镇新时代文明实践中心", "东街实践所", "幸福村实践站", "和平村实践站", "幸福村一组实践点"):
        assert name in html


def test_a_site_page_shows_address_hours_rooms_the_checklist_children_and_teams(client, town, login):
    station = town.station_a
    station.opening_hours = "周二至周日 8:30–17:30"
    station.rooms = ["道德讲堂", "农家书屋"]
    station.checklist = {"place": True, "plan": True, "team": False}
    station.latitude, station.longitude = "31.230400", "121.473700"
    station.save()
    login(town.resident_a)
    html = client.get(f"/sites/{station.pk}/?lang=en").content.decode()
    assert "周二至周日 8:30–17:30" in html
    assert "道德讲堂" in html
    assert html.count("✓") == 2
    assert html.count("✗") == 4
    assert "幸福村一组实践点" in html
    assert "幸福村志愿服务队" in html
    assert "31.230400" in html


def test_a_missing_or_inactive_site_is_not_found(client, town):
    Site.objects.filter(pk=town.point_a.pk).update(is_active=False)
    assert client.get("/sites/999999/").status_code == 404
    assert client.get(f"/sites/{town.point_a.pk}/").status_code == 404


def test_anonymous_visitors_see_a_site_but_not_its_teams(client, town):
    html = client.get(f"/sites/{town.station_a.pk}/").content.decode()
    assert "幸福村实践站" in html
    assert "幸福村志愿服务队" not in html


# ---- households ------------------------------------------------------------------------------


def test_a_grid_worker_sees_the_grid_households_with_masked_phones(client, town, login):
    login(town.grid_worker_a)
    html = client.get("/households/").content.decode()
    assert "张建国家" in html and "李明家" in html
    assert "赵强家" not in html
    assert town.resident_a.phone not in html
    assert town.resident_a.masked_phone in html


def test_staff_of_station_b_do_not_see_station_a_households(client, town, login):
    login(town.staff_b)
    html = client.get("/households/").content.decode()
    assert "赵强家" in html
    assert "张建国家" not in html
    html = client.get(f"/households/?site={town.station_a.pk}").content.decode()
    assert "张建国家" not in html


def test_a_plain_resident_has_no_household_list(client, town, login):
    login(town.resident_a)
    assert client.get("/households/").status_code == 404


def test_the_household_list_needs_a_login(client, town):
    assert client.get("/households/").status_code == 302


def test_the_household_search_and_bad_page_numbers_do_not_break(client, town, login):
    login(town.staff_a)
    response = client.get("/households/", {"q": "张", "page": "abc", "site": "x"})
    assert response.status_code == 200
    assert "张建国家" in response.content.decode()
    assert "李明家" not in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
def test_the_household_list_costs_the_same_queries_at_any_size(client, town, extra, django_assert_num_queries, login):
    for _ in range(extra):
        UserFactory(household=HouseholdFactory(grid=town.grid_a))
    login(town.staff_a)
    with django_assert_num_queries(HOUSEHOLD_LIST_QUERIES):
        response = client.get(reverse("household_list"))
    assert response.context["page"].paginator.count == 2 + extra


HOUSEHOLD_LIST_QUERIES = 9


def test_a_service_error_without_field_names_lands_on_the_form_as_a_whole():
    from django import forms
    from django.core.exceptions import ValidationError

    from practice_center.forms import add_service_errors

    class NameForm(forms.Form):
        name = forms.CharField()

    form = NameForm(data={"name": "x"})
    form.is_valid()
    add_service_errors(form, ValidationError("Something is off."))
    add_service_errors(form, ValidationError({"name": ["Taken."], "elsewhere": ["Not a form field."]}))
    add_service_errors(form, ValidationError({"phone": ["Bad phone."]}), field_map={"phone": "name"})
    assert form.errors["name"] == ["Taken.", "Bad phone."]
    assert form.non_field_errors() == ["Something is off.", "Not a form field."]
