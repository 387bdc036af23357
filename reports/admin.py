"""Monthly reports in the admin: read-only (every change goes through reports.services)."""

from django.contrib import admin

from practice_center.admin_audit import AuditedAdmin
from reports.models import MonthlyReport, ReportEvent


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "note", "data", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(AuditedAdmin):
    list_display = ["site", "month", "status", "figures_taken_at", "updated_at"]
    list_filter = ["status", "month"]
    search_fields = ["site__name"]
    readonly_fields = [f.name for f in MonthlyReport._meta.fields]
    inlines = [ReportEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
