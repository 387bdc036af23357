"""Small text helpers that need no models."""

import unicodedata


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits of a mobile number."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """张*明 / 张*: keep the family name (and the last character of longer names)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def int_param(value) -> int | None:
    """An id from a query string or form, or None: ASCII digits only, within a bigint.

    `str.isdigit()` alone is not enough: it accepts "²" (which `int()` refuses) and numbers
    longer than PostgreSQL's bigint, and either would end a request in a server error.
    """
    value = str(value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


# Separators people type inside numbers and codes: spaces (also the ideographic one after
# NFKC), hyphens and dashes, dots, parentheses.
_SEPARATORS = set(" \t-‐‑‒–—―.()")


def canonical_phone(text: str) -> str:
    """The one form a typed phone number is validated, stored and looked up in.

    NFKC turns full-width digits (１３８…) into ASCII; separators (spaces, dashes, dots,
    parentheses) are dropped; a leading `+86`, `0086` or `86` before 11 digits is dropped.
    Anything else is returned as typed (after NFKC and trimming) for the validator to refuse.
    Returns "" for empty input.
    """
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    compact = "".join(ch for ch in text if ch not in _SEPARATORS)
    for prefix in ("+86", "0086", "86"):
        rest = compact[len(prefix) :]
        if compact.startswith(prefix) and len(rest) == 11 and rest.isascii() and rest.isdigit():
            return rest
    if compact.isascii() and compact.isdigit():
        return compact
    return text


def canonical_code(text: str) -> str:
    """A code read aloud or copied (join codes, pickup codes): NFKC (full-width letters and
    digits become ASCII), upper case, letters and digits only."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())
