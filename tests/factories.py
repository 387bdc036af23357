"""factory_boy factories for the organisation and volunteers. Apps add theirs beside them."""

import factory
from factory.django import DjangoModelFactory

from practice_center.models import Grid, Household, HouseholdCategory, RoleAssignment, Site, SiteLevel, User
from volunteers.models import Team, TeamMembership, Volunteer, VolunteerStatus

PASSWORD = "s3cret-pass-word"


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"实践站{n}")
    level = SiteLevel.STATION
    address = "幸福路1号"


class GridFactory(DjangoModelFactory):
    class Meta:
        model = Grid

    station = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    grid = factory.SubFactory(GridFactory)
    name = factory.Sequence(lambda n: f"王{n}家")
    category = HouseholdCategory.LOCAL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    real_name = factory.LazyAttribute(lambda o: o.user.name)
    skills = factory.LazyFunction(lambda: ["文艺"])
    status = VolunteerStatus.APPROVED


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"志愿服务队{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
