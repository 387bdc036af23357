"""Django admin for the organisation: sites, grids, households, people, roles, notifications."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from practice_center.models import (
    AuditEvent,
    Delivery,
    Grid,
    Household,
    IdempotencyKey,
    Notification,
    RoleAssignment,
    Site,
    User,
)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent", "address", "phone", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "address")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth")
    list_select_related = ("parent",)
    ordering = ("path",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "station", "code")
    list_filter = ("station",)
    search_fields = ("name", "code", "station__name")
    autocomplete_fields = ("station",)
    list_select_related = ("station",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("name", "grid", "category", "address", "join_code", "created_at")
    list_filter = ("category", "grid__station")
    search_fields = ("name", "address", "join_code")
    autocomplete_fields = ("grid",)
    readonly_fields = ("join_code", "created_at")
    list_select_related = ("grid__station",)


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("site", "grid")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "phone", "household", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "elderly_mode")
    search_fields = ("username", "name", "phone")
    autocomplete_fields = ("household",)
    list_select_related = ("household",)
    inlines = (RoleInline,)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("phone", "household", "elderly_mode")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "phone", "password1", "password2")}),)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # The portal's real name is `name`; first/last name are unused.
        return [
            (
                title,
                {
                    **opts,
                    "fields": tuple("name" if f == "first_name" else f for f in opts["fields"] if f != "last_name"),
                },
            )
            for title, opts in fieldsets
        ]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "site", "grid", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name", "user__phone", "site__name", "grid__name")
    autocomplete_fields = ("user", "site", "grid")
    list_select_related = ("user", "site", "grid__station")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ("channel", "status", "attempts", "next_attempt_at", "last_error", "sent_at")
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "recipient__name", "kind")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    inlines = (DeliveryInline,)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notification", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("channel", "status")
    raw_id_fields = ("notification",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the portal writes and nobody edits: listed and opened, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "object_repr", "site")
    list_filter = ("object_type",)
    search_fields = ("action", "object_id", "object_repr", "request_id", "actor__username", "actor__name")
    date_hierarchy = "at"
    list_select_related = ("actor", "site")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("user", "key", "status_code", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)
