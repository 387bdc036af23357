"""Star milestones: crossing a threshold is told once; the team page shows it; progress."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from practice_center.models.notifications import Notification
from tests.volunteers.certificates.conftest import add_record
from volunteers import services
from volunteers.milestones import check_star_milestones, star_progress
from volunteers.models import RecordStatus, StarMilestone

DAY = datetime.date(2026, 5, 1)
# Small thresholds so that a few records cross them.
STARS = {"STAR_THRESHOLDS": [10, 20, 30, 40, 50]}


@pytest.fixture
def small_stars(settings):
    settings.PORTAL = {**settings.PORTAL, **STARS}


def told(volunteer):
    return Notification.objects.filter(recipient=volunteer.user, kind="star_milestone")


def test_verifying_the_hours_that_cross_a_threshold_tells_the_volunteer_once(town, small_stars):
    add_record(town.member_a, 8, DAY, by=town.staff_a)
    pending = add_record(town.member_a, 3, DAY, status=RecordStatus.PENDING)
    assert not told(town.member_a).exists()
    services.service_record_verify(record=pending, actor=town.staff_a)  # 11 hours: one star
    assert told(town.member_a).count() == 1
    note = told(town.member_a).get()
    assert note.data["stars"] == 1 and note.data["threshold"] == 10
    # More hours below the next threshold, and the same check again: nothing new.
    services.service_record_verify(record=add_record(town.member_a, 2, DAY, status="pending"), actor=town.staff_a)
    check_star_milestones(volunteer=town.member_a)
    assert told(town.member_a).count() == 1
    assert list(StarMilestone.objects.values_list("stars", flat=True)) == [1]


def test_falling_back_below_a_threshold_and_crossing_again_does_not_tell_twice(town, small_stars):
    record = add_record(town.member_a, 12, DAY, by=town.staff_a)
    assert told(town.member_a).count() == 1
    record.status = RecordStatus.REJECTED
    record.save(update_fields=["status"])
    add_record(town.member_a, 11, DAY, by=town.staff_a)
    assert told(town.member_a).count() == 1


def test_crossing_two_thresholds_at_once_records_both_and_tells_the_highest(town, small_stars):
    add_record(town.member_a, 24, DAY, by=town.staff_a)
    assert sorted(StarMilestone.objects.values_list("stars", flat=True)) == [1, 2]
    assert [n.data["stars"] for n in told(town.member_a)] == [2]


def test_the_message_reads_well_in_both_languages(town, small_stars):
    from django.utils import translation

    from practice_center.notifications import render

    add_record(town.member_a, 10, DAY, by=town.staff_a)
    data = told(town.member_a).get().data
    with translation.override("zh-hans"):
        assert render("star_milestone", "title", data) == "您已成为 1 星志愿者"
    with translation.override("en"):
        assert render("star_milestone", "title", data) == "You are now a 1-star volunteer"


def test_pending_and_rejected_records_do_not_count(town, small_stars):
    add_record(town.member_a, 20, DAY, status=RecordStatus.PENDING)
    add_record(town.member_a, 20, DAY, status=RecordStatus.REJECTED, by=town.staff_a)
    assert not StarMilestone.objects.exists()
    assert not told(town.member_a).exists()


def test_the_team_page_shows_the_members_milestones(client, town, small_stars, login):
    add_record(town.member_a, 10, DAY, by=town.staff_a)
    login(town.leader_a.user)
    body = client.get(f"/volunteers/teams/{town.team_a.pk}/").content.decode()
    assert 'data-testid="team-milestones"' in body
    assert "志愿者甲 成为 1 星志愿者（10 小时）" in body
    login(town.leader_b.user)
    other = client.get(f"/volunteers/teams/{town.team_b.pk}/").content.decode()
    assert 'data-testid="team-milestones"' not in other


def test_the_default_thresholds_are_the_national_ones():
    from django.conf import settings

    assert settings.PORTAL["STAR_THRESHOLDS"] == [100, 300, 600, 1000, 1500]


@pytest.mark.parametrize(
    ("hours", "stars", "next_threshold", "remaining", "percent"),
    [
        (0, 0, 100, 100, 0),
        ("99.5", 0, 100, "0.5", 99),
        (100, 1, 300, 200, 0),
        (450, 2, 600, 150, 50),
        (1500, 5, None, None, 100),
        (2000, 5, None, None, 100),
    ],
)
def test_progress_to_the_next_star(hours, stars, next_threshold, remaining, percent):
    progress = star_progress(hours)
    assert progress["stars"] == stars
    assert progress["next_threshold"] == (Decimal(next_threshold) if next_threshold else None)
    assert progress["remaining"] == (Decimal(remaining) if remaining is not None else None)
    assert progress["percent"] == percent
