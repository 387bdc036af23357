from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Civility points")

    def ready(self) -> None:
        from activities import signals
        from activities.sessions.signals import activity_checked_in
        from points import receivers
        from volunteers import signals as volunteer_signals

        volunteer_signals.service_record_verified.connect(receivers.award_verified_hours, dispatch_uid="points_hours")
        volunteer_signals.service_record_rejected.connect(
            receivers.reverse_rejected_hours, dispatch_uid="points_hours_reversed"
        )
        activity_checked_in.connect(receivers.award_activity_attendance, dispatch_uid="points_activity_attend")
        signals.order_rated.connect(receivers.award_five_star_bonus, dispatch_uid="points_five_star_bonus")
