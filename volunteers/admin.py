"""Django admin for volunteers, teams, memberships and service records.

Every edit leaves an audit row (practice_center.admin_audit). Decisions (a volunteer's status,
a record's verification), the leader and the memberships are read-only here: they go through
the services on the staff pages, which check approval and write their own audit rows.
"""

from django.contrib import admin

from practice_center.admin_audit import AuditedAdmin, ReadOnlyAdmin
from volunteers.models import Certificate, ServiceRecord, StarMilestone, Team, TeamMembership, Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(AuditedAdmin):
    list_display = ("real_name", "user", "site", "status", "is_party_member", "created_at")
    list_filter = ("status", "is_party_member", "site")
    search_fields = ("real_name", "user__username", "user__phone")
    autocomplete_fields = ("user", "site")
    readonly_fields = ("status", "approved_by", "approved_at", "created_at")
    list_select_related = ("user", "site")


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    fields = ("volunteer", "joined_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "site", "leader", "is_active")
    list_filter = ("is_active", "site")
    search_fields = ("name", "site__name")
    autocomplete_fields = ("site",)
    readonly_fields = ("leader",)
    list_select_related = ("site", "leader")
    inlines = (MembershipInline,)


@admin.register(TeamMembership)
class TeamMembershipAdmin(ReadOnlyAdmin):
    list_display = ("team", "volunteer", "joined_at")
    search_fields = ("team__name", "volunteer__real_name")
    autocomplete_fields = ("team", "volunteer")
    list_select_related = ("team", "volunteer")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    """Hours are recorded by completions and verified by staff on their page (verified hours
    decide star levels and points): read-only here."""

    audit_site_path = "volunteer.site"
    list_display = ("volunteer", "hours", "served_on", "source", "status", "verified_by")
    list_filter = ("status", "source")
    search_fields = ("volunteer__real_name", "description")
    date_hierarchy = "served_on"
    list_select_related = ("volunteer", "verified_by")


# ---- certificates and star milestones: read-only, they are facts once written -------


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
