"""The order workflow (点单 → 派单 → 接单 → 评单) as one map on the shared Workflow helper.

`ORDER_WORKFLOW.move` locks the order, refuses a move the map does not allow (409
`invalid_transition`), runs the service's check and change, writes the `OrderEvent` (with its
JSON `data`) and the audit row `order.<action>`, then queues the notifications.
"""

from __future__ import annotations

from activities.models import Order, OrderAction, OrderEvent, OrderStatus
from practice_center.workflow import Workflow

S = OrderStatus
A = OrderAction

TRANSITIONS: dict[str, dict[str, str]] = {
    S.SUBMITTED: {A.DISPATCH: S.DISPATCHED, A.CANCEL: S.CANCELLED, A.REJECT: S.REJECTED, A.CLAIM: S.ACCEPTED},
    S.DISPATCHED: {A.ACCEPT: S.ACCEPTED, A.DECLINE: S.SUBMITTED, A.CANCEL: S.CANCELLED, A.RELEASE: S.SUBMITTED},
    # RELEASE: the system hands open work back to staff when its team or people are switched off.
    S.ACCEPTED: {A.COMPLETE: S.COMPLETED, A.RELEASE: S.SUBMITTED},
    S.COMPLETED: {A.RATE: S.RATED},
}

ORDER_WORKFLOW: Workflow[Order] = Workflow(
    Order, TRANSITIONS, audit_name="order", event_model=OrderEvent, event_fk="order"
)
