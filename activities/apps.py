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
