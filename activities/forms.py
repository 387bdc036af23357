"""Forms of the order pages. They parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Category, MenuItem
from practice_center.models import Site, User


class _NoSuffix:
    """Labels without Django's ":" (it doubles Chinese punctuation, such as "帮助？：")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OrderForm(_NoSuffix, forms.Form):
    resident = forms.ModelChoiceField(
        label=_("For which resident"), queryset=User.objects.none(), required=False, empty_label=_("Myself")
    )
    description = forms.CharField(
        label=_("What do you need?"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    preferred_time = forms.DateTimeField(
        label=_("Preferred time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=200, help_text=_("Leave empty to use the household's address.")
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is None:
            del self.fields["resident"]
        else:
            self.fields["resident"].queryset = residents


class WishForm(_NoSuffix, forms.Form):
    resident = forms.ModelChoiceField(
        label=_("For which resident"), queryset=User.objects.none(), required=False, empty_label=_("Myself")
    )
    title = forms.CharField(label=_("Your wish in a few words"), max_length=100)
    description = forms.CharField(
        label=_("More details"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    is_public = forms.BooleanField(
        label=_("Show it on the wish wall (your name is masked)"), required=False, initial=True
    )

    def __init__(self, *args, residents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residents is None:
            del self.fields["resident"]
        else:
            self.fields["resident"].queryset = residents


class MenuItemForm(_NoSuffix, forms.ModelForm):
    class Meta:
        model = MenuItem
        fields = ["site", "category", "title", "description", "suits", "duration_minutes", "team", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, sites=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()
        if self.instance.pk:
            self.fields["site"].disabled = True
        if teams is not None:
            self.fields["team"].queryset = teams


class DecisionForm(forms.Form):
    """Reason/note/summary/hours/stars of the workflow buttons; each action reads what it needs."""

    reason = forms.CharField(required=False, max_length=2000)
    note = forms.CharField(required=False, max_length=2000)
    comment = forms.CharField(required=False, max_length=2000)
    summary = forms.CharField(required=False, max_length=4000)
    hours = forms.CharField(required=False, max_length=20)
    stars = forms.IntegerField(required=False)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**62)
