"""Wrong-state cases derived from a workflow map, so the tests follow the map instead of a copy.

`flow` is either a `{status: {action: next_status}}` dict (`activities.order_workflow.TRANSITIONS`,
`points.workflows.HONOURS.transitions`) or a `practice_center.workflow.Workflow` (its
`.transitions`). A status that appears only as a target (cancelled, rated, ...) is final:
every action is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def transitions(flow: Any) -> dict[str, dict[str, str]]:
    """The `{status: {action: next_status}}` map of `flow` (a dict or a Workflow), as plain strings."""
    mapping: Mapping = getattr(flow, "transitions", flow)
    return {str(status): {str(a): str(t) for a, t in moves.items()} for status, moves in mapping.items()}


def statuses(flow: Any) -> list[str]:
    """Every status the map names, as a source or a target, sorted."""
    found = set()
    for status, moves in transitions(flow).items():
        found.add(status)
        found.update(moves.values())
    return sorted(found)


def actions(flow: Any) -> list[str]:
    """Every action the map names, sorted."""
    return sorted({action for moves in transitions(flow).values() for action in moves})


def wrong_states(flow: Any, action: str) -> list[str]:
    """The statuses from which the map refuses `action`, sorted (the "wrong state" cases)."""
    if hasattr(flow, "statuses_refusing"):
        return sorted(str(s) for s in flow.statuses_refusing(action))
    return [status for status in statuses(flow) if str(action) not in transitions(flow).get(status, {})]


def wrong_moves(flow: Any) -> list[tuple[str, str]]:
    """Every (action, status) pair the map refuses: one "wrong state" case per pair."""
    return [(action, status) for action in actions(flow) for status in wrong_states(flow, action)]
