"""Log in with a user name or a phone number, behind the brute-force limits.

The limits (practice_center/throttle.py) are applied here, where every credential is checked,
so the log-in page, the API's token endpoint and the admin's log-in page share them: per
address + account, per address, and per account from any address. While a limit holds the
password is not checked at all; the view learns the wait from `request.login_retry_after`
and answers 429 with Retry-After.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from practice_center import throttle
from practice_center.text import canonical_phone


def login_retry_after(request) -> int:
    """Seconds the caller must wait after the last authenticate() on `request` (0: no limit)."""
    return int(getattr(request, "login_retry_after", 0) or 0)


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        """The user whose user name or phone and password match, else None.

        request: the HttpRequest (or DRF Request) being served; None for internal calls, which
            are not limited. On a lock, sets `request.login_retry_after` (seconds) and raises
            PermissionDenied, which makes Django's authenticate() stop and answer None.
        """
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        username = str(username).strip()
        keys = throttle.login_keys(ip=throttle.client_ip(request), username=username) if request is not None else []
        if keys and (retry := throttle.retry_after(keys)):
            request.login_retry_after = retry
            raise PermissionDenied("log-in locked")
        user_model = get_user_model()
        phone = canonical_phone(username)
        user = user_model.objects.filter(Q(username=username) | Q(phone=phone)).order_by("id").first()
        if user is None:
            user_model().set_password(password)  # same work as a real check: no timing oracle
        elif user.check_password(password) and self.user_can_authenticate(user):
            if keys:
                throttle.reset(keys[0])
            return user
        if keys and password and (retry := throttle.record_failure(keys)):
            request.login_retry_after = retry  # this try was the last one allowed
        return None
