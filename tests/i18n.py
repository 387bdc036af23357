"""What a page shows for a source string in the portal's default language (Chinese), so tests
can check a message without copying its translation."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def zh(message) -> str:
    """`message` (an English msgid or a lazy string) as the default-language UI shows it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(translation.gettext(message) if isinstance(message, str) else message)
