from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Services and activities")

    def ready(self) -> None:
        from activities import (
            certificate_sources,  # noqa: F401  (order categories on certificates)
            notifications,  # noqa: F401  (registers the notification kinds)
        )
        from activities.permissions import order_contact_granted
        from activities.sessions import notifications as _sessions  # noqa: F401  (kinds of scheduled activities)
        from activities.sessions import tasks as _tasks  # noqa: F401  (the beat task, for the worker)
        from practice_center import registry

        registry.register_contact_grant(order_contact_granted)

        # Switching off a team or a person hands their open work back to staff.
        from django.db.models.signals import post_save

        from activities import receivers
        from practice_center.models import User
        from volunteers.models import Team

        post_save.connect(receivers.team_saved, sender=Team, dispatch_uid="activities_team_switched_off")
        post_save.connect(receivers.user_saved, sender=User, dispatch_uid="activities_user_switched_off")
