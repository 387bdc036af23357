"""Serializers of the organisation endpoints: token, me, sites, categories."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practice_center.models import Site


class TokenRequestSerializer(serializers.Serializer):
    """Input of POST /auth/token/: a user name or a phone number, and the password."""

    username = serializers.CharField(max_length=150, help_text=_("User name or mobile phone number."))
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class RoleSerializer(serializers.Serializer):
    """One role: `site` for staff roles, `grid` for grid roles, `team` for team leaders."""

    role = serializers.CharField()
    site = serializers.IntegerField(required=False)
    grid = serializers.IntegerField(required=False)
    team = serializers.IntegerField(required=False)


class MeSerializer(serializers.Serializer):
    """The caller: who they are, their roles and where they belong. Built from a dict."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    phone = serializers.CharField(allow_null=True, help_text=_("Your own phone number, unmasked."))
    roles = RoleSerializer(many=True)
    household = serializers.IntegerField(allow_null=True)
    station = serializers.IntegerField(allow_null=True)
    volunteer = serializers.IntegerField(allow_null=True, help_text=_("Your volunteer id, or null."))
    is_superuser = serializers.BooleanField()
    elderly_mode = serializers.BooleanField()


class SiteSerializer(serializers.ModelSerializer):
    """A site in a list: enough to show it and find it on a map."""

    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "name",
            "level",
            "level_display",
            "parent",
            "depth",
            "address",
            "latitude",
            "longitude",
            "phone",
            "opening_hours",
        ]


class SiteRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "level"]


class ChecklistSerializer(serializers.Serializer):
    """The six-haves checklist (六有): each item true or false."""

    place = serializers.BooleanField()
    plan = serializers.BooleanField()
    team = serializers.BooleanField()
    projects = serializers.BooleanField()
    rules = serializers.BooleanField()
    records = serializers.BooleanField()


class SiteDetailSerializer(SiteSerializer):
    """A site with its rooms, six-haves checklist and its ancestors (root first, from the path)."""

    rooms = serializers.ListField(child=serializers.CharField(), read_only=True)
    checklist = serializers.SerializerMethodField()
    ancestors = serializers.SerializerMethodField()

    class Meta(SiteSerializer.Meta):
        fields = [*SiteSerializer.Meta.fields, "description", "rooms", "checklist", "ancestors"]

    @extend_schema_field(ChecklistSerializer)
    def get_checklist(self, site: Site) -> dict:
        return dict(site.checklist_items)

    @extend_schema_field(SiteRefSerializer(many=True))
    def get_ancestors(self, site: Site) -> list[dict]:
        # The view reads them in one query off the materialized path.
        ancestors = self.context.get("ancestors")
        if ancestors is None:
            ancestors = Site.objects.ancestors(site, include_self=False)
        return list(SiteRefSerializer(ancestors, many=True).data)
