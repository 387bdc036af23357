"""Django admin for volunteers, teams, memberships and service records."""

from django.contrib import admin

from volunteers.models import ServiceRecord, Team, TeamMembership, Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ("real_name", "user", "site", "status", "is_party_member", "created_at")
    list_filter = ("status", "is_party_member", "site")
    search_fields = ("real_name", "user__username", "user__phone")
    autocomplete_fields = ("user", "site")
    raw_id_fields = ("approved_by",)
    readonly_fields = ("created_at",)
    list_select_related = ("user", "site")


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("volunteer",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "leader", "is_active")
    list_filter = ("is_active", "site")
    search_fields = ("name", "site__name")
    autocomplete_fields = ("site", "leader")
    list_select_related = ("site", "leader")
    inlines = (MembershipInline,)


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("team", "volunteer", "joined_at")
    search_fields = ("team__name", "volunteer__real_name")
    autocomplete_fields = ("team", "volunteer")
    list_select_related = ("team", "volunteer")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "hours", "served_on", "source", "status", "verified_by")
    list_filter = ("status", "source")
    search_fields = ("volunteer__real_name", "description")
    autocomplete_fields = ("volunteer",)
    raw_id_fields = ("created_by", "verified_by")
    date_hierarchy = "served_on"
    list_select_related = ("volunteer", "verified_by")


# ---- certificates and star milestones (issue 12): read-only, they are facts once written -------
from practice_center.admin import ReadOnlyAdmin  # noqa: E402
from volunteers.models import Certificate, StarMilestone  # noqa: E402


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("code", "volunteer", "period_from", "period_to", "hours", "site", "issued_at", "issued_by")
    list_filter = ("site",)
    search_fields = ("code", "volunteer__real_name", "content_hash")
    date_hierarchy = "issued_at"
    list_select_related = ("volunteer", "site", "issued_by")


@admin.register(StarMilestone)
class StarMilestoneAdmin(ReadOnlyAdmin):
    list_display = ("volunteer", "stars", "threshold", "hours", "reached_at")
    list_filter = ("stars",)
    search_fields = ("volunteer__real_name",)
    list_select_related = ("volunteer",)
