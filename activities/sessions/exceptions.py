"""Domain errors of scheduled activities: the API answers 409 with the code, pages a message."""

from django.utils.translation import gettext_lazy as _

from practice_center.exceptions import DomainError
from practice_center.exceptions import InvalidTransition as _BaseInvalidTransition


class InvalidTransition(_BaseInvalidTransition):
    code = "invalid_transition"
    default_message = _("This activity is no longer in a state that allows this. Reload to see what changed.")


class AlreadyEnrolled(DomainError):
    code = "already_enrolled"
    default_message = _("You are already signed up for this activity.")


class ActivityFull(DomainError):
    code = "activity_full"
    default_message = _("This activity is full and has no waiting list.")


class SignupClosed(DomainError):
    code = "signup_closed"
    default_message = _("Sign-up for this activity has closed.")


class CheckInClosed(DomainError):
    code = "check_in_closed"
    default_message = _("Check-in is only possible from shortly before the start to shortly after the end.")


class NotEnrolled(DomainError):
    code = "not_enrolled"
    default_message = _("This person is not signed up for the activity (or is still on the waiting list).")


class TooManyNoShows(DomainError):
    code = "too_many_no_shows"
    default_message = _("You missed too many activities you signed up for recently; please ask the station staff.")


class CapacityBelowEnrolled(DomainError):
    code = "capacity_below_enrolled"
    default_message = _("The seats cannot be fewer than the people already signed up.")
