"""Reads about volunteers that other code reuses (and that volunteers registers with the
organisation app in `VolunteersConfig.ready()`)."""

from __future__ import annotations

from django.db.models import Count, Q

from volunteers.models import RecordStatus, ServiceRecord, Team, Volunteer, VolunteerStatus
from volunteers.stars import star_level_for

__all__ = ["star_level_for", "team_ids_led_by", "station_figures", "volunteer_id_of", "site_teams"]


def team_ids_led_by(user) -> list[int]:
    """Ids of the active teams whose leader is `user` ([] for an anonymous visitor)."""
    return list(Team.objects.led_by(user).values_list("id", flat=True))


def volunteer_id_of(user) -> dict:
    """`{"volunteer": id or None}`: the person's volunteer profile, for GET /me/."""
    return {"volunteer": Volunteer.objects.filter(user=user).values_list("pk", flat=True).first()}


def station_figures(user, stations: list) -> dict[int, dict[str, int]]:
    """Volunteers (approved, awaiting approval), active teams and hours to verify per station
    of `stations`, counting what hangs under a station's points and bases as the station's.
    One aggregate query per table, grouped by site, whatever the number of stations."""
    figures = {
        station.pk: {"volunteers": 0, "volunteers_pending": 0, "teams": 0, "records_pending": 0} for station in stations
    }
    by_path = sorted(((s.path, s.pk) for s in stations), key=lambda item: -len(item[0]))

    def station_of(path: str) -> int | None:
        # Teams may hang under a point or base of a station: fold them into that station.
        for prefix, pk in by_path:
            if path.startswith(prefix):
                return pk
        return None

    volunteers = (
        Volunteer.objects.managed_by(user)
        .values("site__path")
        .annotate(
            approved=Count("id", filter=Q(status=VolunteerStatus.APPROVED)),
            pending=Count("id", filter=Q(status=VolunteerStatus.PENDING)),
        )
        .order_by()
    )
    for row in volunteers:
        pk = station_of(row["site__path"])
        if pk is not None:
            figures[pk]["volunteers"] += row["approved"]
            figures[pk]["volunteers_pending"] += row["pending"]
    teams = Team.objects.managed_by(user).filter(is_active=True).values("site__path").annotate(n=Count("id")).order_by()
    for row in teams:
        pk = station_of(row["site__path"])
        if pk is not None:
            figures[pk]["teams"] += row["n"]
    records = (
        ServiceRecord.objects.managed_by(user)
        .filter(status=RecordStatus.PENDING)
        .values("volunteer__site__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in records:
        pk = station_of(row["volunteer__site__path"])
        if pk is not None:
            figures[pk]["records_pending"] += row["n"]
    return figures


def site_teams(request, site) -> dict:
    """`{"teams": ...}`: the active teams of `site` with their member counts, for the site page."""
    teams = (
        Team.objects.visible_to(request.user)
        .filter(site=site)
        .select_related("leader")
        .annotate(member_count=Count("memberships"))
    )
    return {"teams": teams}
