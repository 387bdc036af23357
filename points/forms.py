"""Forms of the points pages. They parse and check input only; services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points.models import HonourKind, ObjectionDecision
from points.rankings import parse_category, parse_period
from points.services.honours import MAX_LIST_SIZE
from points.services.shop import MAX_QUANTITY
from practice_center.models import HouseholdCategory


class RedeemForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Household name, resident's name or phone"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class AwardForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int, widget=forms.RadioSelect)
    rule = forms.TypedChoiceField(label=_("Rule"), coerce=int)
    quantity = forms.DecimalField(
        label=_("Quantity (times, or hours for hourly rules)"),
        min_value=0.5,
        max_value=1000,
        initial=1,
        decimal_places=2,
    )
    note = forms.CharField(label=_("What the household did"), max_length=150)
    evidence = forms.CharField(
        label=_("Evidence (who saw it, where it is recorded)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    attachment = forms.FileField(
        label=_("Evidence file (optional)"),
        required=False,
        help_text=_("A photo or a PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,application/pdf"}),
    )

    def __init__(self, *args, households=(), rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [(h.pk, f"{h.name} · {h.grid.station.name}") for h in households]
        self.fields["rule"].choices = list(rules)

    # The file is checked (and a photo re-encoded) by the service, `points_award`: its field
    # error comes back onto this form through `run_service`.


IMAGE_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


class ProductForm(forms.Form):
    """New or changed goods. `stock_seen` carries the stock shown when the form was opened, so
    the service changes the stock by the difference and keeps reservations made meanwhile."""

    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    name = forms.CharField(label=_("Product name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    points_price = forms.IntegerField(label=_("Price in points"), min_value=1, max_value=1_000_000)
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Pieces on the shelf that residents can still reserve."),
    )
    stock_seen = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0, max_value=1_000_000)
    picture = forms.FileField(
        label=_("Picture (optional)"),
        required=False,
        help_text=_("A photo (JPEG, PNG, GIF or WebP), at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    is_active = forms.BooleanField(label=_("On offer in the supermarket"), required=False, initial=True)

    def __init__(self, *args, sites=(), product=None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None:
            # The site of existing goods does not change: their reservations are picked up there.
            del self.fields["site"]
        else:
            del self.fields["stock_seen"]
            self.fields["site"].choices = [(s.pk, s.name) for s in sites]

    # The picture is checked and re-encoded by the service (`product_create`/`product_update`):
    # its field error comes back onto this form through `run_service`.


class FulfilForm(forms.Form):
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class RestockForm(forms.Form):
    add = forms.IntegerField(label=_("Add to stock"), min_value=1, max_value=100000)


class RuleVersionForm(forms.Form):
    points = forms.IntegerField(label=_("New points value"), min_value=1, max_value=100000)
    note = forms.CharField(label=_("Reason for the change"), max_length=200)


class RankingFilterForm(forms.Form):
    period = forms.CharField(
        label=_("Year or month"), required=False, max_length=7, help_text=_("For example 2026 or 2026-05.")
    )
    category = forms.ChoiceField(
        label=_("Households"),
        required=False,
        choices=[("", _("All households")), *HouseholdCategory.choices],
    )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc))

    def clean_category(self):
        try:
            return parse_category(self.cleaned_data["category"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc))


class FreezeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Honour"), choices=HonourKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    category = forms.ChoiceField(
        label=_("Households"), required=False, choices=[("", _("All households")), *HouseholdCategory.choices]
    )
    size = forms.IntegerField(label=_("Number of households"), min_value=1, max_value=MAX_LIST_SIZE, initial=10)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, s.name) for s in sites]
        self.fields["year"].initial = timezone.localdate().year - 1


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), max_length=300)


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say which household and what you think is wrong. Staff will answer you."),
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[c for c in ObjectionDecision.choices if c[0]], widget=forms.RadioSelect
    )
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
