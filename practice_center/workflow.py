"""One small workflow helper for every status machine (orders, honours, activities, reports).

A workflow is a map `{status: {action: next_status}}`. `Workflow.move` applies one action to
one object: it locks the row, refuses an action the map does not allow from the current status
(`InvalidTransition`, HTTP 409), runs the caller's `check` (which raises `NotAllowed` or a
`ValidationError`), applies the caller's `change`, saves the new status, writes the event row
(with a JSON `data` field for what the step carried) and an audit row, and runs `notify`, all
in the caller's transaction. Two people acting at once: the second waits for the lock, then
finds the new status and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from practice_center.audit import audit_record, changes_between, snapshot
from practice_center.exceptions import InvalidTransition

M = TypeVar("M", bound=models.Model)


class Workflow(Generic[M]):
    """A status machine over `model`.

    transitions: `{status: {action: next_status}}`; a status with no entry is final.
    event_model / event_fk: the model that keeps the object's history and the name of its
        foreign key to the object. The event model has the fields `action`, `from_status`,
        `to_status`, `actor`, `note`, `data` (JSON) and `at`. None: only the audit row is written.
    audit_name: the object part of audit actions (`order` gives `order.dispatch`).
    site_of: returns the Site an object belongs to (scopes the audit row); default `obj.site`.
    """

    def __init__(
        self,
        model: type[M],
        transitions: Mapping[str, Mapping[str, str]],
        *,
        audit_name: str,
        event_model: type[models.Model] | None = None,
        event_fk: str | None = None,
        status_field: str = "status",
        site_of: Callable[[M], Any] | None = None,
    ) -> None:
        self.model = model
        self.transitions = {str(k): {str(a): str(t) for a, t in v.items()} for k, v in transitions.items()}
        self.audit_name = audit_name
        self.event_model = event_model
        self.event_fk = event_fk
        self.status_field = status_field
        self.site_of = site_of or (lambda obj: getattr(obj, "site", None))

    # ---- reading the map ---------------------------------------------------------------------
    def actions_from(self, status: str) -> set[str]:
        """The actions the map allows from `status` (before any check of the person)."""
        return set(self.transitions.get(str(status), {}))

    def allows(self, status: str, action: str) -> bool:
        """Whether the map has `action` from `status`."""
        return str(action) in self.transitions.get(str(status), {})

    def next_status(self, status: str, action: str) -> str:
        """The status `action` leads to from `status`; raises InvalidTransition if none."""
        target = self.transitions.get(str(status), {}).get(str(action))
        if target is None:
            raise InvalidTransition()
        return target

    def statuses(self) -> set[str]:
        """Every status named in the map, as a source or a target."""
        found = set(self.transitions)
        for moves in self.transitions.values():
            found |= set(moves.values())
        return found

    def statuses_refusing(self, action: str) -> list[str]:
        """The statuses from which `action` is refused (tests derive "wrong state" cases here)."""
        return sorted(status for status in self.statuses() if not self.allows(status, action))

    # ---- moving ------------------------------------------------------------------------------
    def move(
        self,
        obj: M,
        *,
        action: str,
        actor,
        check: Callable[[M], None] | None = None,
        change: Callable[[M], Iterable[str] | None] | None = None,
        notify: Callable[[M], None] | None = None,
        note: str = "",
        data: Mapping[str, Any] | None = None,
        related: Iterable[str] = (),
        invalid: InvalidTransition | None = None,
    ) -> M:
        """Apply `action` to `obj` (a saved row) and return the reloaded, changed object.

        check(locked): raises if the actor may not act or the input is wrong; runs after the
            status is known to allow the action.
        change(locked): sets fields and returns their names (they are saved with the status).
        notify(locked): queues notifications (the outbox), after the event row is written.
        note / data: kept on the event row; data is JSON (a declined team's name, a reason).
        related: relations to load with the locked row (`select_related` names).
        invalid: the InvalidTransition to raise (with a friendlier message) if the map refuses.
        Raises InvalidTransition (409), and whatever `check` raises. Must run inside a
        transaction (the services are `@transaction.atomic`).
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Workflow.move must run inside a transaction")
        manager = self.model._default_manager
        # Lock the row alone (a join would lock related rows too), then read what the checks need.
        current = manager.select_for_update().values_list(self.status_field, flat=True).get(pk=obj.pk)
        if not self.allows(current, action):
            raise invalid or InvalidTransition()
        locked = manager.select_related(*related).get(pk=obj.pk) if related else manager.get(pk=obj.pk)
        target = self.next_status(current, action)
        if check is not None:
            check(locked)
        concrete = [f.name for f in self.model._meta.concrete_fields]
        before = snapshot(locked, concrete)
        fields = set(change(locked) or ()) if change is not None else set()
        now = timezone.now()
        setattr(locked, self.status_field, target)
        fields.add(self.status_field)
        if hasattr(locked, "status_changed_at"):
            locked.status_changed_at = now
            fields.add("status_changed_at")
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            fields.add("updated_at")
        locked.save(update_fields=sorted(fields))
        if self.event_model is not None and self.event_fk is not None:
            self.event_model._default_manager.create(
                **{self.event_fk: locked},
                action=action,
                from_status=current,
                to_status=target,
                actor=actor,
                note=note,
                data=dict(data or {}),
                at=now,
            )
        changes = changes_between(before, snapshot(locked, [name for name in concrete if name in fields]))
        changes.pop("status_changed_at", None)
        changes.pop("updated_at", None)
        audit_record(
            actor=actor,
            action=f"{self.audit_name}.{action}",
            obj=locked,
            site=self.site_of(locked),
            changes=changes,
            data={**({"note": note} if note else {}), **dict(data or {})},
        )
        if notify is not None:
            notify(locked)
        return locked
