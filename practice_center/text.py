"""Small text helpers that need no models."""


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
