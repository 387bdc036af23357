"""Reactions of the orders to changes elsewhere (connected in ActivitiesConfig.ready())."""

from __future__ import annotations

from activities import services


def team_saved(sender, *, instance, **kwargs) -> None:
    """A team switched off (in the portal or the admin): its open orders go back to staff."""
    if not instance.is_active:
        services.work_release_for_team(team=instance)


def user_saved(sender, *, instance, **kwargs) -> None:
    """A person switched off: the open work they lead or serve alone goes back to staff."""
    if not instance.is_active and instance.pk:
        services.work_release_for_user(user=instance)
