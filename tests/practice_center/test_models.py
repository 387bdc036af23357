"""The site tree, households and role reach."""

import pytest
from django.db import IntegrityError

from practice_center.models import Household, Role, RoleAssignment, Site, User
from practice_center.scoping import scope
from tests.factories import SiteFactory


def test_subtree_of_institute_holds_its_stations_and_points(town):
    names = set(Site.objects.subtree(town.institute).values_list("name", flat=True))
    assert {"东街实践所", "幸福村实践站", "和平村实践站", "幸福村一组实践点"} == names


def test_subtree_of_station_a_excludes_station_b(town):
    assert town.station_b not in Site.objects.subtree(town.station_a)
    assert town.point_a in Site.objects.subtree(town.station_a)


def test_subtree_is_one_query(town, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Site.objects.subtree(town.center))


def test_ancestors_read_off_the_path(town):
    assert list(Site.objects.ancestors(town.point_a)) == [town.center, town.institute, town.station_a, town.point_a]


def test_moving_a_station_rewrites_the_paths_below_it(town):
    other_institute = SiteFactory(name="西街实践所", level="institute", parent=town.center)
    town.station_a.parent = other_institute
    town.station_a.save()
    town.point_a.refresh_from_db()
    assert town.point_a.path.startswith(other_institute.path)
    assert town.point_a in Site.objects.subtree(other_institute)


def test_point_reports_its_station(town):
    assert town.point_a.station == town.station_a
    assert town.institute.station is None


def test_a_resident_belongs_to_one_household_of_a_station(town):
    assert town.resident_a.household.station == town.station_a
    assert list(town.household_a.members.order_by("username")) == [town.resident_a]
    assert list(town.household_a3.members.all()) == [town.leader_a_user]


def test_institute_staff_reach_every_station_below(town):
    sc = scope(town.institute_staff)
    assert sc.manages_site(town.station_a) and sc.manages_site(town.station_b)
    assert not sc.manages_site(town.center)


def test_staff_of_station_a_never_reach_station_b(town):
    sc = scope(town.staff_a)
    assert sc.manages_site(town.station_a) and sc.manages_site(town.point_a)
    assert not sc.manages_site(town.station_b)
    assert set(Household.objects.visible_to(town.staff_a)) == {town.household_a, town.household_a2, town.household_a3}


def test_residents_see_only_their_own_household(town):
    assert list(Household.objects.visible_to(town.resident_a)) == [town.household_a]
    assert town.resident_b not in User.objects.visible_to(town.resident_a)


def test_grid_worker_sees_households_of_the_grid(town):
    assert set(Household.objects.visible_to(town.grid_worker_a)) == {
        town.household_a,
        town.household_a2,
        town.household_a3,
    }


def test_center_admin_sees_every_household(town):
    assert Household.objects.visible_to(town.admin).count() == 4


def test_team_leader_role_comes_from_the_team(town):
    assert scope(town.leader_a_user).leads_team(town.team_a.pk)
    assert not scope(town.leader_a_user).leads_team(town.team_b.pk)


def test_a_staff_role_must_be_held_at_a_site(town):
    with pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=town.resident_a, role=Role.STATION_STAFF, grid=town.grid_a)


def test_sites_managed_by_staff_are_their_subtree_only(town):
    assert set(Site.objects.managed_by(town.staff_a)) == {town.station_a, town.point_a}
    assert set(Site.objects.managed_by(town.institute_staff)) == {
        town.institute,
        town.station_a,
        town.station_b,
        town.point_a,
    }
    assert not Site.objects.managed_by(town.resident_a).exists()
