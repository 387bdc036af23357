"""Serializers of the points API: output shapes, and one input serializer per action."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from points.models import Entry, Product, Redemption, Rule, SourceType
from points.permissions import may_see_pickup_code
from points.selectors import current_version
from points.services.shop import MAX_QUANTITY
from practice_center.models import Site


class AccountSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    household_name = serializers.CharField()
    balance = serializers.IntegerField()
    rank_in_station = serializers.IntegerField(allow_null=True, help_text="Rank in the station this year (or null).")


class EntrySerializer(serializers.ModelSerializer):
    rule: serializers.SlugRelatedField[Rule] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule_version = serializers.SerializerMethodField()
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Entry
        fields = [
            "id",
            "sequence",
            "amount",
            "kind",
            "rule",
            "rule_version",
            "note",
            "balance_after",
            "at",
            "source_type",
            "source_id",
            "corrects",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_rule_version(self, entry: Entry) -> int | None:
        return entry.rule_version.number if entry.rule_version is not None else None


class RuleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    points = serializers.SerializerMethodField()
    site: serializers.PrimaryKeyRelatedField[Site] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Rule
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "unit",
            "points",
            "awarded_by",
            "cap_per_day",
            "cap_per_month",
            "site",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_points(self, rule: Rule) -> int | None:
        version = current_version(rule)
        return version.points if version else None


class SourceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[c for c in SourceType.choices if c[0] != SourceType.REDEMPTION])
    id = serializers.IntegerField(min_value=1, max_value=2**62)


class AwardInputSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=2**62)
    rule = serializers.SlugField(max_length=40)
    note = serializers.CharField(max_length=200, allow_blank=True, default="")
    evidence = serializers.CharField(max_length=2000, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"), default=Decimal(1))
    source = SourceSerializer(  # type: ignore[assignment]  # a field named "source": DRF takes declared fields off the class, the stubs see Field.source
        required=False, help_text="What earned it; one source earns a rule once."
    )


class ProductSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "description", "picture", "price", "stock", "site", "site_name"]
        read_only_fields = fields


class RedemptionSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    pickup_code = serializers.SerializerMethodField(
        help_text="Only for members of the household (null for staff and grid workers)."
    )

    def get_pickup_code(self, redemption) -> str | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return redemption.pickup_code if user is not None and may_see_pickup_code(user, redemption) else None

    class Meta:
        model = Redemption
        fields = [
            "id",
            "status",
            "pickup_code",
            "points",
            "quantity",
            "product",
            "product_name",
            "household",
            "created_at",
            "fulfilled_at",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class RedemptionInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=2**62)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class FulfilInputSerializer(serializers.Serializer):
    pickup_code = serializers.CharField(max_length=16)


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")


class CorrectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
