"""The review map of a monthly report, on the one workflow helper (practice_center/workflow.py)."""

from __future__ import annotations

from practice_center.workflow import Workflow
from reports.models import MonthlyReport, ReportEvent, ReportStatus

S = ReportStatus
REPORT_WORKFLOW: Workflow[MonthlyReport] = Workflow(
    MonthlyReport,
    {
        S.DRAFT: {"submit": S.SUBMITTED},
        S.RETURNED: {"submit": S.SUBMITTED},
        S.SUBMITTED: {"return": S.RETURNED, "approve": S.APPROVED},
        S.APPROVED: {"publish": S.PUBLISHED},
    },
    audit_name="report",
    event_model=ReportEvent,
    event_fk="report",
)
