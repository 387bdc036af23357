"""The status map of honour lists, on the shared workflow helper (practice_center.workflow).

frozen ─publish→ notice ─finalise→ final; frozen or notice ─withdraw→ withdrawn. Final and
withdrawn lists do not move. The services (points/services/honours.py) move lists through
`HONOURS.move`, which locks the row, refuses a move the map does not allow, writes an
`HonourEvent` and an audit row `honour_list.<action>`; pages ask `points.permissions.actions_for`.
"""

from __future__ import annotations

from points.models import HonourEvent, HonourList, HonourStatus
from practice_center.workflow import Workflow

HONOURS: Workflow[HonourList] = Workflow(
    HonourList,
    {
        HonourStatus.FROZEN: {"publish": HonourStatus.NOTICE, "withdraw": HonourStatus.WITHDRAWN},
        HonourStatus.NOTICE: {"finalise": HonourStatus.FINAL, "withdraw": HonourStatus.WITHDRAWN},
        HonourStatus.FINAL: {},
        HonourStatus.WITHDRAWN: {},
    },
    audit_name="honour_list",
    event_model=HonourEvent,
    event_fk="honour_list",
)
