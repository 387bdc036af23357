"""Admin of the menu and orders. Orders are read-only here: their status only changes through
the workflow services (activities.services), which write the event log. Every edit here leaves
an audit row (practice_center.admin_audit)."""

from django.contrib import admin

from activities.models import Category, MenuItem, Order, OrderEvent
from activities.sessions import admin as _sessions_admin  # noqa: F401  (registers the scheduled activities)
from practice_center.admin_audit import AuditedAdmin


@admin.register(MenuItem)
class MenuItemAdmin(AuditedAdmin):
    list_display = ["title", "site", "category", "team", "is_active"]
    list_filter = ["is_active", "category"]
    search_fields = ["title", "description"]
    list_select_related = ["site", "category", "team"]
    raw_id_fields = ["site", "team"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "note", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(AuditedAdmin):
    list_display = ["id", "title", "kind", "status", "site", "resident", "team", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "description"]
    list_select_related = ["site", "resident", "team"]
    inlines = [OrderEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields] + ["volunteers"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    """Names in both languages; codes are what menus, skills matching and reports refer to."""

    list_display = ["code", "name_zh", "name_en", "sort_order", "is_platform"]
    list_editable = ["name_zh", "name_en", "sort_order"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # menu items and orders point at categories
