"""factory_boy factories of scheduled activities (published, two hours, a week from now)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from activities.models import Activity, ActivityStatus, Category, Enrollment, EnrollmentStatus, Theme
from tests.factories import SiteFactory, UserFactory


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"主题{n}")
    colour = "#C8102E"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"道德讲堂第{n}讲")
    category = factory.LazyFunction(lambda: Category.objects.order_by("sort_order").first())
    starts_at = factory.LazyFunction(
        lambda: (timezone.localtime() + datetime.timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    place = "多功能活动室"
    capacity = 30
    status = ActivityStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    activity = factory.SubFactory(ActivityFactory)
    person = factory.SubFactory(UserFactory)
    status = EnrollmentStatus.ENROLLED
