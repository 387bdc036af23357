"""Writing the audit trail: `audit_record` inside every service that changes state.

Usage, inside the service's transaction::

    before = snapshot(product, ["stock", "points"])
    ... change product ...
    audit_record(actor=actor, action="product.update", obj=product, site=product.site,
                 changes=changes_between(before, snapshot(product, ["stock", "points"])))

Action names are `<object>.<verb>` in English (`order.dispatch`, `volunteer.approve`,
`entry.award`); the staff search page translates the object part.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from practice_center.models import AuditEvent, Site
from practice_center.request_context import current_request_id


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value (ids for relations, ISO text for times)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` of `obj` as JSON-friendly data; a foreign key is read
    from its `<name>_id` attribute, so no query is made."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _plain(getattr(obj, attname))
    return values


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for the fields whose value differs between two snapshots."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    site: Site | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row in the current transaction and return it.

    actor: the User who acted, or None for the system (beat jobs, migrations).
    action: `<object>.<verb>`, e.g. `order.dispatch`.
    obj: the changed object (saved; its pk is stored as text with its model label).
    site: the Site the object belongs to, which scopes who may read the row; None for rows
        only center admins should see (rules of the whole network).
    changes: `{field: [before, after]}` (see `changes_between`).
    data: anything else the step carried (a reason, a quantity), JSON-serialisable.
    The request id comes from the current request or task (`current_request_id`).
    """
    actor_id = getattr(actor, "pk", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action[:64],
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        site=site,
        changes=_plain(dict(changes or {})),
        data=_plain(dict(data or {})),
        request_id=current_request_id(),
    )
