"""Django admin for the organisation: sites, grids, households, people, roles, notifications,
and the audit trail (read-only). Every edit here leaves an audit row (practice_center.admin_audit);
roles are granted and revoked through the services, delivery states are read-only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from practice_center import services
from practice_center.admin_audit import AuditedAdmin, AuditedAdminMixin, ReadOnlyAdmin
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
class SiteAdmin(AuditedAdmin):
    list_display = ("name", "level", "parent", "address", "phone", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "address")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth")
    list_select_related = ("parent",)
    ordering = ("path",)


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    audit_site_path = "station"
    list_display = ("name", "station", "code")
    list_filter = ("station",)
    search_fields = ("name", "code", "station__name")
    autocomplete_fields = ("station",)
    list_select_related = ("station",)


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    audit_site_path = "grid.station"
    list_display = ("name", "grid", "category", "address", "join_code", "created_at")
    list_filter = ("category", "grid__station")
    search_fields = ("name", "address", "join_code")
    autocomplete_fields = ("grid",)
    readonly_fields = ("join_code", "created_at")
    list_select_related = ("grid__station",)


class RoleInline(admin.TabularInline):
    """The person's roles, to read: grant and revoke them under Roles (through the services)."""

    model = RoleAssignment
    extra = 0
    fields = ("role", "site", "grid", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    audit_site_path = "household.grid.station"
    list_display = ("username", "name", "phone", "household", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "elderly_mode")
    search_fields = ("username", "name", "phone")
    autocomplete_fields = ("household",)
    list_select_related = ("household",)
    inlines = (RoleInline,)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Portal"), {"fields": ("phone", "household", "elderly_mode")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "phone", "password1", "password2")}),)

    def user_change_password(self, request, id, form_url=""):
        """Django's set-password page, leaving an audit row (without the password) when it saves."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                if user is not None:
                    self._audit(request, user, "set_password", {"password": ["***", "***"]})
        return response

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
    """Granting (add) and revoking (delete) go through `role_grant` / `role_revoke`, which write
    the audit rows; a role is never edited in place."""

    list_display = ("user", "role", "site", "grid", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name", "user__phone", "site__name", "grid__name")
    autocomplete_fields = ("user", "site", "grid")
    list_select_related = ("user", "site", "grid__station")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        granted = services.role_grant(user=obj.user, role=obj.role, site=obj.site, grid=obj.grid, actor=request.user)
        obj.pk = granted.pk

    def delete_model(self, request, obj):
        services.role_revoke(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "site", "grid__station"):
            services.role_revoke(assignment=assignment, actor=request.user)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ("channel", "status", "attempts", "next_attempt_at", "last_error", "sent_at")
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "recipient__name", "kind")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    inlines = (DeliveryInline,)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox: only the delivery task changes a delivery's state."""

    list_display = ("notification", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("channel", "status")
    raw_id_fields = ("notification",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail: written by the services in each change's transaction, never edited."""

    list_display = ("at", "action", "object_type", "object_id", "object_repr", "actor", "site", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username", "actor__name", "request_id")
    date_hierarchy = "at"
    list_select_related = ("actor", "site")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("user", "key", "status_code", "created_at")
    search_fields = ("key", "user__username")
    list_select_related = ("user",)
