"""API serializers of volunteers, teams and service records: one input serializer per action."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from practice_center.api.fields import MaskedPhoneField
from volunteers.models import ServiceRecord, Team, TeamMembership, Volunteer
from volunteers.permissions import volunteer_phone


class VolunteerPhoneField(MaskedPhoneField):
    """The volunteer's phone: in full for the person, the staff of their household's station
    and the staff of the station that certifies them (`volunteers.permissions`)."""

    def get_attribute(self, instance: Volunteer):
        request = self.context.get("request")
        return volunteer_phone(getattr(request, "user", None), instance)


class VolunteerRegisterSerializer(serializers.Serializer):
    """Input of POST /volunteers/: the caller asks to become a volunteer."""

    real_name = serializers.CharField(max_length=50)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=20, help_text=_("Skills such as 法律, 医疗, 文艺.")
    )
    availability = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_party_member = serializers.BooleanField(required=False, default=False)


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer in a list."""

    phone = VolunteerPhoneField()
    verified_hours = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, read_only=True)
    star_level = serializers.IntegerField(read_only=True, min_value=0, max_value=5)

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "real_name",
            "phone",
            "site",
            "status",
            "skills",
            "availability",
            "is_party_member",
            "verified_hours",
            "star_level",
            "created_at",
        ]
        read_only_fields = fields


class VolunteerDetailSerializer(VolunteerSerializer):
    """A volunteer with their teams and when they were approved."""

    teams = TeamRefSerializer(many=True, read_only=True)

    class Meta(VolunteerSerializer.Meta):
        fields = [*VolunteerSerializer.Meta.fields, "approved_at", "teams"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    volunteer = serializers.IntegerField(source="volunteer_id", read_only=True)
    name = serializers.CharField(source="volunteer.real_name", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["volunteer", "name", "joined_at"]


class TeamSerializer(serializers.ModelSerializer):
    """A team in a list: its site, its leader and how many members it has."""

    site_name = serializers.CharField(source="site.name", read_only=True)
    leader_name = serializers.CharField(source="leader.real_name", read_only=True, allow_null=True, default=None)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "site", "site_name", "leader", "leader_name", "member_count", "description"]
        read_only_fields = fields


class TeamDetailSerializer(TeamSerializer):
    members = MemberSerializer(source="memberships", many=True, read_only=True)

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "members"]
        read_only_fields = fields


class ServiceRecordSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, read_only=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "volunteer",
            "hours",
            "served_on",
            "source",
            "source_id",
            "description",
            "status",
            "verified_at",
            "created_at",
        ]
        read_only_fields = fields


class ServiceRecordVerifySerializer(serializers.Serializer):
    """Input of POST /service-records/{id}/verify/: certify the hours (true) or reject them (false)."""

    approve = serializers.BooleanField()
