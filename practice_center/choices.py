"""Choices the organisation's models and its scoping share: site levels and roles.

Kept apart from the models so that `practice_center.scoping`, which the models' querysets use,
needs no model import (no import circle between the two).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteLevel(models.TextChoices):
    CENTER = "center", _("Civilization-practice center")
    INSTITUTE = "institute", _("Practice institute")
    STATION = "station", _("Practice station")
    POINT = "point", _("Practice point")
    BASE = "base", _("Practice base")


class Role(models.TextChoices):
    STATION_STAFF = "station_staff", _("Station staff")
    CENTER_ADMIN = "center_admin", _("Center admin")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    # Held through `volunteers.Team.leader`, not a RoleAssignment row; listed for /me/.
    TEAM_LEADER = "team_leader", _("Team leader")


SITE_ROLES = (Role.STATION_STAFF, Role.CENTER_ADMIN)
GRID_ROLES = (Role.GRID_LEADER, Role.GRID_WORKER)


class Channel(models.TextChoices):
    """The channels a notification goes out on besides the inbox."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
