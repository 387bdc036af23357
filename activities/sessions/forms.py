"""Forms of the activity pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Category, MenuItem, OpenTo, Theme
from practice_center.forms import PhoneField
from practice_center.models import Site
from volunteers.models import Team

DATETIME: dict[str, Any] = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}


class _NoSuffix:
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ActivityForm(_NoSuffix, forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    title = forms.CharField(label=_("Title"), max_length=100)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), **DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), **DATETIME)
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Pick one of the site's function rooms or type a place."),
        widget=forms.TextInput(attrs={"list": "rooms"}),
    )
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=1, max_value=100_000, required=False, help_text=_("Empty: unlimited.")
    )
    waitlist = forms.BooleanField(label=_("Keep a waiting list when full"), required=False, initial=True)
    signup_closes_at = forms.DateTimeField(
        label=_("Sign-up closes at"), required=False, help_text=_("Empty: at the start."), **DATETIME
    )
    open_to = forms.ChoiceField(label=_("Open to"), choices=OpenTo.choices, initial=OpenTo.STATION)
    menu_item = forms.ModelChoiceField(label=_("Menu item"), queryset=MenuItem.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Serving team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, sites=None, menu_items=None, teams=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites if sites is not None else Site.objects.none()
        self.fields["menu_item"].queryset = menu_items if menu_items is not None else MenuItem.objects.none()
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        if editing:
            del self.fields["site"]


class CancelForm(_NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason (everyone signed up is told)"), max_length=2000)


class PhoneCheckInForm(_NoSuffix, forms.Form):
    phone = PhoneField(
        label=_("Mobile phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "type": "tel", "autocomplete": "off"}),
    )


class SummaryForm(_NoSuffix, forms.Form):
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=8000
    )


class PhotoForm(_NoSuffix, forms.Form):
    image = forms.FileField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
