from django.utils.translation import gettext_lazy as _

from practice_center.exceptions import DomainError


class AlreadyRegistered(DomainError):
    code = "already_registered"
    default_message = _("You are already registered as a volunteer.")


class NotPending(DomainError):
    code = "invalid_transition"
    default_message = _("Only a pending registration can be approved or rejected.")


class NotApproved(DomainError):
    code = "volunteer_not_approved"
    default_message = _("The volunteer is not approved yet.")
