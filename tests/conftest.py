"""Shared fixtures: a small town with two stations and a persona for every role.

center (admin) ─ institute (institute_staff) ─┬─ station A (staff_a) ─ grid A1 (grid_worker_a)
                                               │     households: household_a (resident_a), household_a2,
                                               │       household_a3 (leader_a's own)
                                               │     team_a led by leader_a, with member_a
                                               └─ station B (staff_b) ─ grid B1
                                                     household_b (resident_b); team_b led by leader_b
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from practice_center.models import Role, SiteLevel
from tests.factories import (
    PASSWORD,
    GridFactory,
    HouseholdFactory,
    MembershipFactory,
    RoleFactory,
    SiteFactory,
    TeamFactory,
    UserFactory,
    VolunteerFactory,
)

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip for a missing service, except in CI where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PORTAL_REQUIRE_SERVICES=1: services are required here)")
    pytest.skip(reason)


@pytest.fixture
def require_postgres():
    if connection.vendor != "postgresql":
        need_service("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def require_redis():
    url = settings.REDIS_URL
    if not url:
        need_service("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        need_service(f"Redis at {url} does not answer: {exc}")
    return url


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords:
            item.fixturenames.insert(0, "require_postgres")
        if "redis" in item.keywords:
            item.fixturenames.insert(0, "require_redis")


# Rows that data migrations seed (service categories, points rules). A transactional test
# (live server, races) empties every table when it ends, so a later test on the same worker
# would find them gone; put them back before each database test instead of hoping for an order.
REFERENCE_SEEDS = (
    ("activities", "Category", "activities.migrations.0002_seed_categories"),
    ("points", "Rule", "points.migrations.0003_seed_rules"),
)
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    from importlib import import_module

    from django.apps import apps

    for app_label, model_name, migration in REFERENCE_SEEDS:
        if not apps.get_model(app_label, model_name).objects.exists():
            import_module(migration).seed(apps, None)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The log-in and join-code limits count failures in the cache (LocMem in tests, see
    test_settings): start every test at zero, or wrong passwords of earlier tests would add up."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def town(db):
    """The two-station town of the module docstring, with a persona for each role."""
    center = SiteFactory(name="城关镇新时代文明实践中心", level=SiteLevel.CENTER)
    institute = SiteFactory(name="东街实践所", level=SiteLevel.INSTITUTE, parent=center)
    station_a = SiteFactory(name="幸福村实践站", level=SiteLevel.STATION, parent=institute)
    station_b = SiteFactory(name="和平村实践站", level=SiteLevel.STATION, parent=institute)
    point_a = SiteFactory(name="幸福村一组实践点", level=SiteLevel.POINT, parent=station_a)
    grid_a = GridFactory(station=station_a, name="一网格")
    grid_b = GridFactory(station=station_b, name="一网格")
    household_a = HouseholdFactory(grid=grid_a, name="张建国家")
    household_a2 = HouseholdFactory(grid=grid_a, name="李明家", category="migrant")
    household_a3 = HouseholdFactory(grid=grid_a, name="王队长家")
    household_b = HouseholdFactory(grid=grid_b, name="赵强家")

    resident_a = UserFactory(username="resident_a", name="张建国", household=household_a)
    resident_a2 = UserFactory(username="resident_a2", name="李明", household=household_a2)
    resident_b = UserFactory(username="resident_b", name="赵强", household=household_b)
    admin = UserFactory(username="admin", name="中心管理员")
    RoleFactory(user=admin, role=Role.CENTER_ADMIN, site=center)
    institute_staff = UserFactory(username="institute_staff", name="所管理员")
    RoleFactory(user=institute_staff, role=Role.STATION_STAFF, site=institute)
    staff_a = UserFactory(username="staff_a", name="站管理员甲")
    RoleFactory(user=staff_a, role=Role.STATION_STAFF, site=station_a)
    staff_b = UserFactory(username="staff_b", name="站管理员乙")
    RoleFactory(user=staff_b, role=Role.STATION_STAFF, site=station_b)
    grid_worker_a = UserFactory(username="grid_worker_a", name="网格员甲", household=household_a2)
    RoleFactory(user=grid_worker_a, role=Role.GRID_WORKER, grid=grid_a)

    leader_a_user = UserFactory(username="leader_a", name="队长甲", household=household_a3)
    leader_a = VolunteerFactory(user=leader_a_user, site=station_a, skills=["法律", "文艺"])
    member_a = VolunteerFactory(
        user=UserFactory(username="member_a", name="志愿者甲", household=household_a2), site=station_a, skills=["医疗"]
    )
    team_a = TeamFactory(site=station_a, name="幸福村志愿服务队", leader=leader_a)
    MembershipFactory(team=team_a, volunteer=leader_a)
    MembershipFactory(team=team_a, volunteer=member_a)
    leader_b_user = UserFactory(username="leader_b", name="队长乙", household=household_b)
    leader_b = VolunteerFactory(user=leader_b_user, site=station_b)
    team_b = TeamFactory(site=station_b, name="和平村志愿服务队", leader=leader_b)
    MembershipFactory(team=team_b, volunteer=leader_b)

    return SimpleNamespace(**locals())


@pytest.fixture
def api():
    """An API client factory: `api(user)` is logged in as `user`, `api()` anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def password():
    return PASSWORD
