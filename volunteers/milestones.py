"""Star milestones: a volunteer whose verified hours cross a star threshold is told once.

The thresholds are settings.PORTAL["STAR_THRESHOLDS"] (100, 300, 600, 1 000 and 1 500 hours
by default: the national volunteer-record star levels, 全国志愿服务信息系统 星级认定). Every
save of a verified ServiceRecord (staff verify it, or an order completed by staff records it
verified) runs `check_star_milestones` in the same transaction through a post_save receiver,
connected when this module is imported (VolunteersConfig.ready()). One StarMilestone row per
volunteer and star level, under a unique constraint, is what makes "told once" hold also when
two verifications race: only the transaction that inserts the row notifies.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice_center.notifications import notify, register
from volunteers.models import RecordStatus, ServiceRecord, StarMilestone, Team, Volunteer
from volunteers.selectors import star_level_for

register(
    "star_milestone",
    title=_("You are now a {stars}-star volunteer"),
    body=_("Your verified service hours passed {threshold}. Thank you for serving your neighbours!"),
)


def star_progress(hours: Decimal | float | int) -> dict:
    """Where `hours` stands on the star scale: {"stars", "hours", "next_stars", "next_threshold",
    "remaining", "percent"} (percent of the way from the last threshold to the next, 0–100);
    next_* are None at five stars. Pure arithmetic, no query."""
    hours = Decimal(str(hours or 0))
    thresholds = [Decimal(t) for t in settings.PORTAL["STAR_THRESHOLDS"]]
    stars = star_level_for(hours)
    if stars >= len(thresholds):
        return {
            "stars": stars,
            "hours": hours,
            "next_stars": None,
            "next_threshold": None,
            "remaining": None,
            "percent": 100,
        }
    low = thresholds[stars - 1] if stars else Decimal("0")
    high = thresholds[stars]
    percent = int((hours - low) * 100 / (high - low)) if high > low else 0
    return {
        "stars": stars,
        "hours": hours,
        "next_stars": stars + 1,
        "next_threshold": high,
        "remaining": high - hours,
        "percent": max(0, min(100, percent)),
    }


def check_star_milestones(*, volunteer: Volunteer) -> list[StarMilestone]:
    """Record each star level the volunteer's verified hours now reach and no row records yet,
    and tell the volunteer about the highest new one (one message, even when a large record
    crosses two thresholds). Call inside the transaction that verified the hours.

    Returns the new StarMilestone rows (empty when nothing was crossed). Two queries when
    nothing is new: the hours and the levels already recorded.
    """
    total = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.VERIFIED).aggregate(
        total=Sum("hours")
    )["total"] or Decimal("0")
    stars = star_level_for(total)
    if stars == 0:
        return []
    known = set(StarMilestone.objects.filter(volunteer=volunteer).values_list("stars", flat=True))
    thresholds = settings.PORTAL["STAR_THRESHOLDS"]
    now = timezone.now()
    new: list[StarMilestone] = []
    for level in range(1, stars + 1):
        if level in known:
            continue
        try:
            with transaction.atomic():
                new.append(
                    StarMilestone.objects.create(
                        volunteer=volunteer, stars=level, threshold=thresholds[level - 1], hours=total, reached_at=now
                    )
                )
        except IntegrityError:  # another transaction recorded it first; it tells
            continue
    if new:
        top = new[-1]
        user = volunteer.user
        notify(
            recipients=[user],
            kind="star_milestone",
            data={"stars": top.stars, "threshold": top.threshold, "volunteer": volunteer.pk},
            url=reverse("volunteers:mine"),
        )
    return new


@receiver(post_save, sender=ServiceRecord, dispatch_uid="volunteers.milestones.record_saved")
def _record_saved(sender, instance: ServiceRecord, created: bool, update_fields=None, **kwargs) -> None:
    if kwargs.get("raw") or instance.status != RecordStatus.VERIFIED:
        return
    if update_fields is not None and not {"status", "hours"} & set(update_fields):
        return
    with transaction.atomic():  # notify() needs the caller's transaction; admin saves have one too
        check_star_milestones(volunteer=Volunteer.objects.select_related("user").get(pk=instance.volunteer_id))


def recent_team_milestones(team: Team, limit: int = 10) -> list[StarMilestone]:
    """The latest star milestones of the team's members, newest first, for the team page."""
    return list(
        StarMilestone.objects.filter(volunteer__memberships__team=team)
        .select_related("volunteer")
        .order_by("-reached_at", "-id")[:limit]
    )
