"""Admin of the points ledger and the honours. The ledger is read-only here: entries change
only through points.services, as compensating entries; honours move through their workflow;
stock changes through the restock service. Every edit here leaves an audit row
(practice_center.admin_audit)."""

from django.contrib import admin

from points.models import (
    Account,
    Entry,
    HonourEntry,
    HonourEvent,
    HonourList,
    LedgerCheckpoint,
    Objection,
    Product,
    Redemption,
    Rule,
    RuleVersion,
)
from practice_center.admin_audit import AuditedAdmin, ReadOnlyAdmin


class RuleVersionInline(admin.TabularInline):
    """New versions may be added; existing ones are history and stay as they are."""

    model = RuleVersion
    extra = 0
    can_delete = False
    fields = ["number", "points", "effective_from", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Rule)
class RuleAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "unit", "cap_per_day", "cap_per_month", "site", "is_active"]
    list_filter = ["is_active", "unit"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [RuleVersionInline]

    def save_formset(self, request, form, formset, change):
        for version in formset.save(commit=False):
            version.created_by = request.user
            version.save()


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["household", "balance", "last_sequence", "updated_at"]
    list_select_related = ["household"]
    search_fields = ["household__name"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["account", "sequence", "kind", "amount", "balance_after", "rule", "note", "created_at"]
    list_filter = ["kind", "source_type"]
    list_select_related = ["account__household", "rule"]
    search_fields = ["account__household__name", "note"]
    date_hierarchy = "created_at"


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = ["name", "site", "price", "stock", "is_active"]
    readonly_fields = ["stock"]  # restocking goes through the service (staff page), which checks and audits
    list_filter = ["is_active"]
    list_select_related = ["site"]
    search_fields = ["name", "site__name"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["pickup_code", "household", "product", "quantity", "points", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["household", "product"]
    search_fields = ["pickup_code", "household__name"]


# ---- honours: read-only here; the workflow (freeze, notice, answer, final) runs through
# points.honours_services on the staff pages, which keep the list frozen and the answers dated.
class HonourEntryInline(admin.TabularInline):
    model = HonourEntry
    extra = 0
    can_delete = False
    readonly_fields = ["rank", "household", "household_name", "station_name", "category", "points", "hours"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class HonourEventInline(admin.TabularInline):
    """The list's history (workflow steps): written by the services, never edited."""

    model = HonourEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "action", "from_status", "to_status", "actor", "note", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HonourList)
class HonourListAdmin(ReadOnlyAdmin):
    list_display = ["kind", "year", "site", "category", "size", "status", "notice_ends_on"]
    list_filter = ["status", "kind", "year"]
    list_select_related = ["site"]
    inlines = [HonourEntryInline, HonourEventInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["honour_list", "author", "created_at", "decision", "answered_at"]
    list_filter = ["decision"]
    list_select_related = ["honour_list", "author"]
    search_fields = ["text", "answer"]


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["taken_at", "digest", "accounts", "entries", "file_name"]
    date_hierarchy = "taken_at"
