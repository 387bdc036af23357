"""`{% form_token %}`: the one-time token of a page's form (practice_center/repeat_submit.py).

A builtin tag (settings.TEMPLATES "builtins"), written next to `{% csrf_token %}` in every form
that changes something, so a double tap or a re-sent form changes nothing twice.
"""

from __future__ import annotations

import secrets

from django import template
from django.utils.html import format_html

from practice_center.repeat_submit import FIELD

register = template.Library()


@register.simple_tag
def form_token() -> str:
    """A hidden input with a fresh random token (22 URL-safe characters)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(16))
