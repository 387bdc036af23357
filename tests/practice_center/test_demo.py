"""seed_demo builds the town of API.md and a second run changes nothing."""

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from practice_center.demo import DEMO_ACCOUNTS
from practice_center.scoping import scope

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"practice_center", "volunteers", "activities", "points"}
    }


def test_seed_demo_twice_changes_nothing():
    # demo_town ran seed_demo once; this is the second run.
    first = row_counts()
    call_command("seed_demo", verbosity=0)
    assert row_counts() == first


def test_every_demo_account_logs_in_with_the_demo_password():
    for username in DEMO_ACCOUNTS:
        assert authenticate(username=username, password="demo12345") is not None, username


def test_demo_accounts_hold_the_roles_api_md_names():
    users = {
        u.username: u for u in apps.get_model("practice_center", "User").objects.filter(username__in=DEMO_ACCOUNTS)
    }
    assert users["demo-admin"].is_superuser and scope(users["demo-admin"]).is_center_admin
    staff = scope(users["demo-staff"])
    station = staff.staff_sites[0]
    assert station.level == "station"
    assert scope(users["demo-leader"]).team_ids_led
    assert users["demo-volunteer"].volunteer.teams.filter(pk__in=scope(users["demo-leader"]).team_ids_led).exists()
    assert users["demo-resident"].household.grid.station == station
    assert scope(users["demo-grid"]).grid_ids
