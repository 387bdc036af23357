"""Every edit made in the Django admin leaves an audit row, like every other state change.

`AuditedAdmin` (or `AuditedAdminMixin` beside another ModelAdmin base, as UserAdmin) writes
`<model>.admin_add`, `<model>.admin_change` or `<model>.admin_delete` with the actor, the object,
the before/after values of the changed fields and the request id, in the admin's own
transaction; rows added, changed or deleted through inlines get one row each too. Fields
whose change would bypass a service's guard (stock, statuses, balances, roles, ledger entries)
are made read-only by the app's admin, or its admin calls the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction

from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.models import Site


def _fields(obj: models.Model) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if f.name not in ("password",)]


def site_of(obj: models.Model, path: str | None = None) -> Site | None:
    """The Site an object belongs to, for the audit row: `path` (dotted attributes, e.g.
    "grid.station"), else the object itself if it is a Site, else its `site`."""
    if isinstance(obj, Site):
        return obj
    target: Any = obj
    for name in (path or "site").split("."):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target if isinstance(target, Site) else None


class AuditedAdminMixin:
    """Write an audit row for every add, change and delete made through this admin."""

    audit_site_path: str | None = None  # dotted path from the object to its Site

    def _audit(self, request, obj: models.Model, verb: str, changes: dict, data: dict | None = None) -> None:
        """Write the audit row of one admin edit (in the admin's transaction)."""
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.admin_{verb}",
            obj=obj,
            site=site_of(obj, self.audit_site_path),
            changes=changes,
            data={"via": "admin", **(data or {})},
        )

    def save_model(self, request, obj, form, change) -> None:
        before: dict[str, Any] = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(stored, _fields(obj)) if stored is not None else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        after = snapshot(obj, _fields(obj))
        changes = changes_between(before, after) if change else {k: [None, v] for k, v in after.items()}
        self._audit(request, obj, "change" if change else "add", changes)

    def delete_model(self, request, obj):
        before = snapshot(obj, _fields(obj))
        pk = obj.pk
        self._audit(request, obj, "delete", {k: [v, None] for k, v in before.items()}, {"id": pk})
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                before = snapshot(obj, _fields(obj))
                self._audit(request, obj, "delete", {k: [v, None] for k, v in before.items()})
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_related(self, request, form, formsets, change):
        # Inline rows being deleted lose their pk on delete: note it first.
        deleted_pks = {id(f.instance): f.instance.pk for fs in formsets for f in getattr(fs, "deleted_forms", [])}
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        for formset in formsets:
            for obj in getattr(formset, "new_objects", []):
                self._audit(request, obj, "add", {k: [None, v] for k, v in snapshot(obj, _fields(obj)).items()})
            for obj, changed in getattr(formset, "changed_objects", []):
                values = snapshot(obj, [name for name in changed if name in _fields(obj)])
                self._audit(request, obj, "change", {name: [None, value] for name, value in values.items()})
            for obj in getattr(formset, "deleted_objects", []):
                obj.pk = obj.pk or deleted_pks.get(id(obj))
                self._audit(request, obj, "delete", {k: [v, None] for k, v in snapshot(obj, _fields(obj)).items()})


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A ModelAdmin whose every edit leaves an audit row."""


class ReadOnlyAdmin(AuditedAdmin):
    """Shown for reading only: the rows change through the services (ledger, history)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
