from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeCenterConfig(AppConfig):
    name = "practice_center"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Connects the receiver that revokes API tokens on a password change or deactivation.
        from practice_center.api import tokens  # noqa: F401
