"""Races on PostgreSQL: many sign-ups at once, each thread with its own database connection."""

from __future__ import annotations

import queue
import threading

import pytest
from django.db import close_old_connections, connection

from activities.models import Activity, Enrollment
from activities.sessions import services
from activities.sessions.exceptions import AlreadyEnrolled
from practice_center.models import User
from tests.activities.sessions.factories import ActivityFactory
from tests.factories import HouseholdFactory, UserFactory


def run_many(n: int, work, *, clients: int = 16) -> list:
    """Run `work(i)` for i in range(n) from `clients` threads released together (each with one
    database connection: the server allows few, and other test runs share it). Returns each
    result or exception, by i."""
    jobs: queue.Queue[int] = queue.Queue()
    for i in range(n):
        jobs.put(i)
    results: list = [None] * n
    barrier = threading.Barrier(clients)

    def target() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    i = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[i] = work(i)
                except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
                    results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    close_old_connections()
    return results


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _people(town, n):
    household = HouseholdFactory(grid=town.grid_a)
    return [UserFactory(household=household, password="x") for _ in range(n)]


def test_hundreds_of_racing_sign_ups_fill_exactly_the_seats_and_queue_the_rest_in_order(town):
    talk = ActivityFactory(site=town.station_a, capacity=20)
    people = _people(town, 300)

    def sign_up(i):
        person = User.objects.get(pk=people[i].pk)
        return services.enrollment_create(activity=Activity(pk=talk.pk), person=person, actor=person)

    results = run_many(300, sign_up)
    assert all(isinstance(r, Enrollment) for r in results), [r for r in results if not isinstance(r, Enrollment)]
    rows = Enrollment.objects.filter(activity=talk)
    assert rows.filter(status="enrolled").count() == 20
    waiting = list(rows.filter(status="waitlisted").order_by("position"))
    assert len(waiting) == 280
    assert [e.position for e in waiting] == list(range(1, 281))  # distinct, no gaps
    # Arrival order: a later position was created (committed its sign-up) no earlier.
    assert [e.created_at for e in waiting] == sorted(e.created_at for e in waiting)
    enrolled_last = max(rows.filter(status="enrolled").values_list("created_at", flat=True))
    assert enrolled_last <= waiting[0].created_at


def test_the_same_person_racing_gets_one_sign_up(town):
    talk = ActivityFactory(site=town.station_a, capacity=5)

    def sign_up(i):
        person = User.objects.get(pk=town.resident_a.pk)
        return services.enrollment_create(activity=Activity(pk=talk.pk), person=person, actor=person)

    results = run_many(20, sign_up, clients=10)
    assert sum(isinstance(r, Enrollment) for r in results) == 1
    assert sum(isinstance(r, AlreadyEnrolled) for r in results) == 19
    assert Enrollment.objects.filter(activity=talk).count() == 1


def test_concurrent_withdrawals_and_sign_ups_never_exceed_the_seats(town):
    talk = ActivityFactory(site=town.station_a, capacity=10)
    first = _people(town, 30)
    for person in first:
        services.enrollment_create(activity=talk, person=person, actor=person)  # 10 enrolled, 20 waiting
    newcomers = _people(town, 30)

    def work(i):
        if i % 3 == 0:
            person = User.objects.get(pk=first[i // 3].pk)  # the first 15: 10 enrolled, 5 waiting
            return services.enrollment_withdraw(activity=Activity(pk=talk.pk), person=person, actor=person)
        person = User.objects.get(pk=newcomers[i - i // 3 - 1].pk)
        return services.enrollment_create(activity=Activity(pk=talk.pk), person=person, actor=person)

    results = run_many(45, work)
    assert all(isinstance(r, Enrollment) for r in results), [r for r in results if not isinstance(r, Enrollment)]
    rows = Enrollment.objects.filter(activity=talk)
    assert rows.filter(status="enrolled").count() == 10
    assert rows.filter(status="withdrawn").count() == 15
    positions = list(rows.filter(status="waitlisted").values_list("position", flat=True))
    assert len(positions) == 30 - 15 - 10 + 30 and len(set(positions)) == len(positions)
    # Whoever moved up came from the front: everyone still waiting arrived after them.
    promoted_from_first = rows.filter(status="enrolled", person__in=first[15:]).count()
    assert promoted_from_first == 10
