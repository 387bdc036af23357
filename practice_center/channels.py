"""Channels a notification goes out on besides the inbox: email, SMS, WeChat.

Email goes through Django's mail backend (EMAIL_URL). SMS and WeChat go through a small
backend interface named by settings.SMS_BACKEND / WECHAT_BACKEND; the console defaults only
log (with the phone masked), so a development machine never texts anyone. A provider's
backend implements `send(...)` and raises `ChannelError` when the provider fails (the delivery
is retried with back-off) or `Unreachable` when it never can succeed (given up at once).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from practice_center.text import mask_phone

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    """The channel failed this time; the delivery is tried again later."""


class Unreachable(ChannelError):
    """The person cannot be reached on this channel (no address); trying again will not help."""


# --- SMS and WeChat backends -------------------------------------------------------------------
class SMSBackend:
    """Interface of an SMS provider."""

    def send(self, *, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class WeChatBackend:
    """Interface of a WeChat (official account template message) provider."""

    def send(self, *, user, title: str, body: str, url: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Logs the text instead of sending it; the phone number is masked in the log."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class ConsoleWeChatBackend(WeChatBackend):
    """Logs the message instead of sending it."""

    def send(self, *, user, title: str, body: str, url: str) -> None:
        logger.info("WeChat to user %s: %s — %s %s", user.pk, title, body, url)


class FileSMSBackend(SMSBackend):
    """Appends each text as a JSON line to settings.SMS_FILE_PATH (development and tests:
    a file that several worker processes can write, so a test can count what was sent)."""

    _lock = threading.Lock()

    def send(self, *, phone: str, text: str) -> None:
        path = getattr(settings, "SMS_FILE_PATH", "")
        if not path:
            raise ChannelError("SMS_FILE_PATH is not set")
        line = json.dumps({"phone": phone, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False)
        with self._lock, Path(path).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


# --- Channels ----------------------------------------------------------------------------------
def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "")
    if url and base and url.startswith("/"):
        return base.rstrip("/") + url
    return url


class EmailChannel:
    name = "email"

    def can_reach(self, user) -> bool:
        return bool(user.email)

    def send(self, notification) -> None:
        user = notification.recipient
        if not user.email:
            raise Unreachable("no email address")
        link = _absolute(notification.url)
        message = notification.body + (f"\n\n{link}" if link else "")
        try:
            send_mail(
                subject=notification.title,
                message=message,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
                fail_silently=False,
            )
        except OSError as exc:  # smtplib errors are OSErrors: connection refused, timeouts, rejects
            raise ChannelError(str(exc)) from exc


class SMSChannel:
    name = "sms"

    def can_reach(self, user) -> bool:
        return bool(user.phone)

    def send(self, notification) -> None:
        user = notification.recipient
        if not user.phone:
            raise Unreachable("no phone number")
        body = notification.body
        text = f"{notification.title}: {body}" if body else notification.title
        import_string(settings.SMS_BACKEND)().send(phone=user.phone, text=text)


class WeChatChannel:
    name = "wechat"

    def can_reach(self, user) -> bool:
        # Real WeChat backends need the person's openid; until accounts carry one, everyone.
        return True

    def send(self, notification) -> None:
        import_string(settings.WECHAT_BACKEND)().send(
            user=notification.recipient,
            title=notification.title,
            body=notification.body,
            url=_absolute(notification.url),
        )


_CHANNELS = {channel.name: channel for channel in (EmailChannel(), SMSChannel(), WeChatChannel())}


def get_channel(name: str):
    try:
        return _CHANNELS[name]
    except KeyError:
        raise Unreachable(f"unknown channel {name!r}") from None
