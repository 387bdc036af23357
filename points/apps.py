from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Civility points")

    def ready(self) -> None:
        from activities import signals
        from activities.sessions.signals import activity_checked_in
        from points import receivers

        signals.order_completed.connect(receivers.award_service_hours, dispatch_uid="points_service_hours")
        activity_checked_in.connect(receivers.award_activity_attendance, dispatch_uid="points_activity_attend")
        signals.order_rated.connect(receivers.award_five_star_bonus, dispatch_uid="points_five_star_bonus")
