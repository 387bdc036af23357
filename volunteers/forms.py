"""Forms of the volunteers pages. They parse input; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from practice_center.forms import PhoneField
from practice_center.models import Site
from practice_center.models.organisation import cn_mobile_validator
from volunteers.models import Team, Volunteer

# Stored in Chinese: skills are matched against what orders need, and the data is Chinese.
COMMON_SKILLS = [
    ("文艺", _("Arts and performance")),
    ("书法", _("Calligraphy")),
    ("医疗", _("Health care")),
    ("法律", _("Legal advice")),
    ("心理咨询", _("Counselling")),
    ("理发", _("Haircuts")),
    ("家电维修", _("Appliance repair")),
    ("电脑", _("Computers and phones")),
    ("教育辅导", _("Tutoring")),
    ("环保", _("Environment")),
    ("烹饪", _("Cooking")),
    ("摄影", _("Photography")),
]


class VolunteerRegisterForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=50)
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=COMMON_SKILLS, required=False, widget=forms.CheckboxSelectMultiple
    )
    other_skills = forms.CharField(
        label=_("Other skills"),
        max_length=200,
        required=False,
        help_text=_("Separate several with commas, for example: 剪纸, 二胡"),
    )
    availability = forms.CharField(
        label=_("When can you help?"), max_length=200, required=False, help_text=_("For example: 周末全天")
    )
    is_party_member = forms.BooleanField(label=_("I am a Party member"), required=False)

    def clean(self):
        data = super().clean()
        extra = (data.get("other_skills") or "").replace("，", ",").replace("、", ",")
        data["all_skills"] = list(data.get("skills") or []) + [s.strip() for s in extra.split(",") if s.strip()]
        if not data["all_skills"]:
            self.add_error("skills", _("Choose at least one skill or write your own."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])


class VolunteerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.real_name} · {obj.user.masked_phone}"


class TeamCreateForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    name = forms.CharField(label=_("Team name"), max_length=100)
    description = forms.CharField(
        label=_("What the team does"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    leader = VolunteerChoiceField(
        label=_("Leader"),
        queryset=Volunteer.objects.none(),
        required=False,
        help_text=_("An approved volunteer of the station. You can name one later."),
    )

    def __init__(self, *args, sites, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["leader"].queryset = volunteers

    def clean(self):
        data = super().clean()
        site, leader = data.get("site"), data.get("leader")
        name = (data.get("name") or "").strip()
        if site is not None and name and Team.objects.filter(site=site, name=name).exists():
            self.add_error("name", _("This site already has a team of that name."))
        if site is not None and leader is not None:
            station = site.station or site
            if not leader.site.is_within(station) and not station.is_within(leader.site):
                self.add_error("leader", _("The leader must be a volunteer of this site's station."))
        return data


class AddMemberForm(forms.Form):
    """Staff pick from a list; a team leader types the volunteer's phone number."""

    volunteer = VolunteerChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none(), required=False)
    phone = PhoneField(
        label=_("Or the volunteer's mobile phone number"),
        max_length=20,
        required=False,
        validators=[cn_mobile_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "type": "tel"}),
    )

    def __init__(self, *args, candidates, show_list: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Approved volunteers of the team's station who are not members yet.
        self.candidates = candidates
        cast(forms.ModelChoiceField, self.fields["volunteer"]).queryset = candidates
        if not show_list:
            del self.fields["volunteer"]
            self.fields["phone"].label = _("The volunteer's mobile phone number")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        volunteer = data.get("volunteer")
        phone = data.get("phone")
        if volunteer is None and phone:
            volunteer = self.candidates.filter(user__phone=phone).first()
            if volunteer is None:
                self.add_error("phone", _("No approved volunteer of this station, outside the team, has this number."))
        elif volunteer is None:
            self.add_error(None, _("Choose a volunteer or enter a phone number."))
        data["chosen"] = volunteer
        return data
