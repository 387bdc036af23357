"""Shared fixtures: a small town with two stations and a persona for every role.

center (admin) ─ institute (institute_staff) ─┬─ station A (staff_a) ─ grid A1 (grid_worker_a)
                                               │     households: household_a (resident_a), household_a2
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
from django.test import Client
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


def seed_reference_data() -> None:
    """Put back the rows of REFERENCE_SEEDS that are missing."""
    from importlib import import_module

    from django.apps import apps

    for app_label, model_name, migration in REFERENCE_SEEDS:
        if not apps.get_model(app_label, model_name).objects.exists():
            import_module(migration).seed(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    seed_reference_data()


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo town of `manage.py seed_demo`, built once for a module whose tests only read it
    (seeding takes seconds). It is built in a transaction that is rolled back after the module's
    last test, so the next module starts from the database it had; each test still runs in its
    own transaction inside it (mark it `django_db` as usual), so what a test writes is undone
    after it. Not for transactional tests (live server, races): they would empty the tables."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"))  # the demo's photos
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_reference_data()
            call_command("seed_demo", verbosity=0)
        except BaseException as exc:  # leave no transaction open for the modules after this one
            outer.__exit__(type(exc), exc, exc.__traceback__)
            media.disable()
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    media.disable()


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

    leader_a_user = UserFactory(username="leader_a", name="队长甲", household=household_a)
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


def log_in(user, *, client=None, api: bool = False, token: bool = False):
    """Log `user` (a persona of `town`, or None for anonymous) into a client and return it.

    client: a Django test `Client` (or an `APIClient`) to log in through a session, as a browser
        is; None: a new `APIClient` (with `api` or `token`) or a new `Client`.
    api: authenticate a new `APIClient` with `force_authenticate` (no session, no token).
    token: a new `APIClient` that sends `Authorization: Token <key>` on every request, as a phone
        app does, so each request loads the user and the roles afresh (what a query count of an
        endpoint has to include).
    """
    if token:
        from practice_center.api.tokens import token_create

        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)}")
        return client
    if api:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client
    client = client if client is not None else Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def login(client):
    """The one log-in helper of the tests (see `log_in`): `login(town.staff_a)` logs the persona
    into the test's Django `client` and returns it; `login(user, api=True)` and
    `login(user, token=True)` give a new API client; `login(user, client=Client(...))` logs into
    a client made with other options."""

    def login_(user, *, client=client, api: bool = False, token: bool = False):
        return log_in(user, client=client, api=api, token=token)

    return login_


@pytest.fixture
def api():
    """`api(user)`: an APIClient authenticated as `user`; `api()`: anonymous (`log_in(..., api=True)`)."""

    def make(user=None):
        return log_in(user, api=True)

    return make


@pytest.fixture
def password():
    return PASSWORD
