"""The kinds of notification the apps register: their texts and channels.

Apps register their kinds at import time in `<app>/notifications.py` (imported from their
AppConfig.ready()); `practice_center.notifications.register` is this module's `register`.
Kept apart from the models and the outbox so that `Notification.title` can render its text
without importing the code that writes notifications (no import circle).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from practice_center.choices import Channel

logger = logging.getLogger("practice_center.notifications")

INBOX = "inbox"
CHANNELS = (INBOX, *(c.value for c in Channel))


# --- The registry of kinds --------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # usually a gettext_lazy proxy
    body: str
    channels: tuple[str, ...]


_KINDS: dict[str, Kind] = {}


def register(kind: str, *, title, body, channels: Iterable[str] = (INBOX,)) -> None:
    """Declare a kind of notification: its title and body (gettext_lazy strings with
    `{placeholders}` filled from the data) and the channels it goes out on besides the inbox.

    Called at import time. Registering the same kind again replaces it (module reloads)."""
    if not kind or len(kind) > 64:
        raise ValueError(f"A notification kind needs a name of 1 to 64 characters, not {kind!r}.")
    channels = tuple(dict.fromkeys(channels))
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(f"Unknown notification channel(s) {unknown} for {kind!r}; known: {CHANNELS}.")
    if INBOX not in channels:
        channels = (INBOX, *channels)  # the inbox always gets it
    _KINDS[kind] = Kind(name=kind, title=title, body=body, channels=channels)


def registered(kind: str) -> Kind | None:
    return _KINDS.get(kind)


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template, data: dict) -> str:
    text = str(template)
    try:
        return text.format_map(_KeepMissing(data or {}))
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        # A template that no longer fits old data must not break the inbox page.
        logger.warning("Notification template %r does not fit data %r", text, data)
        return text


def render(kind: str, part: str, data: dict) -> str:
    """`part` ("title" or "body") of `kind`, filled with `data`, in the current language."""
    definition = _KINDS.get(kind)
    if definition is None:
        # A kind whose code was removed: show something rather than fail.
        return kind if part == "title" else ""
    return _fill(getattr(definition, part), data)


# Built-in kind: a free message whose text is the data itself, already in the readers' language
# (notices typed by staff, tools, tests). Apps with fixed texts register their own kinds.
register("message", title="{title}", body="{body}")


def channels_of(definition: Kind) -> tuple[str, ...]:
    """The channels a kind goes out on: as registered, unless the deployment names others for it
    in settings.NOTIFICATION_CHANNELS (`{kind: [channel, ...]}`, env `NOTIFICATION_CHANNELS=
    order_dispatched=sms|email,...`): a town that texts its residents turns SMS on per kind."""
    configured = getattr(settings, "NOTIFICATION_CHANNELS", {}).get(definition.name)
    if configured is None:
        return definition.channels
    return (INBOX, *(c for c in configured if c in CHANNELS and c != INBOX))
