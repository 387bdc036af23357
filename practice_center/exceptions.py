"""The portal's domain errors. Services raise them; the API answers 409 with the code,
pages show the message. Each app subclasses `DomainError` for its own cases."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "conflict"
    default_message = _("This action is not possible in the current state.")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_message = _("This action is not possible in the current state.")


class NotAllowed(Exception):
    """The actor may not do this (the API answers 403)."""

    def __init__(self, message=None):
        self.message = message or _("You are not allowed to do this.")
        super().__init__(str(self.message))


class TooManyAttempts(DomainError):
    """Too many wrong codes in a row (pickup codes): the API answers 429 with Retry-After."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int, message=None):
        from practice_center.throttle import message as wait_message

        self.retry_after = retry_after
        super().__init__(message or wait_message(retry_after))
