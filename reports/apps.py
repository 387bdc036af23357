from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Monthly reports")

    def ready(self) -> None:
        from practice_center import registry
        from reports import notifications  # noqa: F401  (registers the notification kinds)
        from reports.selectors import home_context

        registry.register_home_context(home_context)
