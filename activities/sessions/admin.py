"""Admin of scheduled activities (imported by activities/admin.py). Themes are edited here;
activities and sign-ups are read-only: they change only through activities.sessions.services,
which write the event log and the audit trail."""

from django.contrib import admin

from activities.models import Activity, ActivityEvent, ActivityPhoto, Enrollment, Theme
from practice_center.admin_audit import AuditedAdmin


@admin.register(Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ["name", "colour", "starts_on", "ends_on", "site"]
    list_filter = ["starts_on"]
    search_fields = ["name"]
    raw_id_fields = ["site"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EnrollmentInline(_ReadOnlyInline):
    model = Enrollment
    fields = readonly_fields = ("person", "status", "position", "checked_in_at", "signed_up_by", "created_at")


class ActivityEventInline(_ReadOnlyInline):
    model = ActivityEvent
    fields = readonly_fields = ("at", "action", "from_status", "to_status", "actor", "note")


class ActivityPhotoInline(_ReadOnlyInline):
    model = ActivityPhoto
    fields = readonly_fields = ("caption", "image", "created_at")


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["title", "site", "starts_at", "status", "capacity", "theme"]
    list_filter = ["status", "category", "theme"]
    search_fields = ["title", "description"]
    list_select_related = ["site", "theme"]
    date_hierarchy = "starts_at"
    inlines = [EnrollmentInline, ActivityEventInline, ActivityPhotoInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(_ReadOnlyAdmin):
    list_display = ["activity", "person", "status", "position", "checked_in_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["activity__title", "person__name", "person__username"]
    list_select_related = ["activity", "person"]
    raw_id_fields = ["activity", "person", "signed_up_by"]


@admin.register(ActivityEvent)
class ActivityEventAdmin(_ReadOnlyAdmin):
    list_display = ["activity", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    list_select_related = ["activity", "actor"]


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(_ReadOnlyAdmin):
    list_display = ["activity", "caption", "created_at"]
    list_select_related = ["activity"]
