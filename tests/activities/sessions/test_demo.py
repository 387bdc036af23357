"""The demo town's activities: themes, full ones with a waiting list, past ones with attendance;
a second run changes nothing."""

import pytest
from django.core.management import call_command

from activities.models import Activity, ActivityPhoto, Enrollment, Theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_demo_has_themes_and_a_month_of_activities_in_every_state():
    assert {"学雷锋月", "我们的节日·重阳"} <= set(Theme.objects.values_list("name", flat=True))
    assert set(Activity.objects.values_list("status", flat=True)) == {"draft", "published", "finished", "cancelled"}
    assert Activity.objects.filter(site__level="station").values("site").distinct().count() == 4
    full = Activity.objects.filter(enrollments__status="waitlisted").distinct()
    assert full.exists()
    assert Enrollment.objects.filter(person__username="demo-resident", status="waitlisted").exists()
    assert Enrollment.objects.filter(person__username="demo-resident", status="enrolled").exists()
    past = Activity.objects.filter(status="finished")
    assert past.exists() and all(a.summary for a in past)
    assert Enrollment.objects.filter(activity__status="finished", checked_in_at__isnull=False).exists()
    assert ActivityPhoto.objects.exists()


def test_seeding_twice_adds_no_activity_sign_up_or_photo():
    # demo_town ran seed_demo once; this is the second run.
    counts = (
        Theme.objects.count(),
        Activity.objects.count(),
        Enrollment.objects.count(),
        ActivityPhoto.objects.count(),
    )
    call_command("seed_demo", verbosity=0)
    assert (
        Theme.objects.count(),
        Activity.objects.count(),
        Enrollment.objects.count(),
        ActivityPhoto.objects.count(),
    ) == counts
