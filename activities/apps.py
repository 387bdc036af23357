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
        from activities.sessions import notifications as _sessions  # noqa: F401  (kinds of scheduled activities)
        from activities.sessions import tasks as _tasks  # noqa: F401  (the beat task, for the worker)
