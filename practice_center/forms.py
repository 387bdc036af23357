"""Forms of the organisation pages: registration, log in."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from practice_center.models import Grid, Household, HouseholdCategory, SiteLevel, User
from practice_center.models.organisation import cn_mobile_validator, normalise_join_code
from practice_center.text import canonical_phone


class GridChoiceField(forms.ModelChoiceField):
    """One <select> of "station · grid" grouped by station, so it works without JavaScript."""

    def label_from_instance(self, obj: Grid) -> str:
        return obj.name


def grid_choices(grids) -> list:
    groups: dict[str, list[tuple[int, str]]] = {}
    for grid in grids:
        groups.setdefault(grid.station.name, []).append((grid.pk, f"{grid.station.name} · {grid.name}"))
    return [("", _("Choose your station and grid")), *groups.items()]


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Phone number or user name"), max_length=150)

    error_messages = {
        "invalid_login": _("The phone number (or user name) and password do not match. Check both and try again."),
        "inactive": _("This account is switched off. Ask your station for help."),
    }

    #: Set by the view when a brute-force limit holds (practice_center/throttle.py): the form then
    #: refuses with that message and never calls authenticate(), so the password is not checked.
    throttled_message: str = ""

    def clean(self):
        if self.throttled_message:
            raise forms.ValidationError(self.throttled_message, code="throttled")
        return super().clean()


class PhoneField(forms.CharField):
    """A mainland mobile number as people type it (full-width digits, spaces, dashes, +86),
    made canonical before it is validated, checked for uniqueness, stored or looked up."""

    def to_python(self, value):
        return canonical_phone(super().to_python(value))


class RegisterForm(forms.Form):
    """A resident signs up: who they are, where they live, and their household."""

    NEW = "new"
    JOIN = "join"

    phone = PhoneField(
        label=_("Mobile phone number"),
        max_length=20,
        validators=[cn_mobile_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "type": "tel"}),
        help_text=_("You log in with this number."),
    )
    name = forms.CharField(label=_("Real name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    household_mode = forms.ChoiceField(
        label=_("Your household"),
        choices=[(NEW, _("Register a new household")), (JOIN, _("Join my family's household with its join code"))],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    grid = GridChoiceField(
        label=_("Station and grid"),
        queryset=Grid.objects.none(),
        required=False,
        help_text=_("Where your home is. Ask your grid worker if you are not sure."),
    )
    household_name = forms.CharField(
        label=_("Household name"), max_length=100, required=False, help_text=_("For example: 张建国家")
    )
    household_category = forms.ChoiceField(
        label=_("Household category"),
        choices=HouseholdCategory.choices,
        initial=HouseholdCategory.LOCAL,
        required=False,
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    join_code = forms.CharField(
        label=_("Join code"),
        max_length=20,
        required=False,
        help_text=_("A family member who is registered finds it on their profile page."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )

    #: Set by the view when the join-code limit holds (practice_center/throttle.py): the code is
    #: then not looked up at all, whether it is right or wrong.
    join_code_throttled_message: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grids = (
            Grid.objects.filter(station__is_active=True, station__level=SiteLevel.STATION)
            .select_related("station")
            .order_by("station__path", "name")
        )
        self.fields["grid"].queryset = grids
        self.fields["grid"].choices = grid_choices(grids)

    #: Set by the view when the limit on "already registered" answers holds: the number is then
    #: not looked up at all (the answer would tell whether it is registered).
    phone_throttled_message: str = ""

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if self.phone_throttled_message:
            raise forms.ValidationError(self.phone_throttled_message, code="throttled")
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("This phone number is already registered. Log in instead."), code="taken")
        return phone

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        mode = data.get("household_mode")
        if mode == self.NEW:
            if not data.get("grid"):
                self.add_error("grid", _("Choose your station and grid."))
            if not (data.get("household_name") or "").strip():
                self.add_error("household_name", _("Name the household, for example 张建国家."))
        elif mode == self.JOIN:
            code = normalise_join_code(data.get("join_code", ""))
            if self.join_code_throttled_message:
                self.add_error("join_code", forms.ValidationError(self.join_code_throttled_message, code="throttled"))
                return data
            household = (
                Household.objects.select_related("grid__station").filter(join_code=code).first() if code else None
            )
            if household is None:
                # The same message for an empty and a wrong code: nothing about other households leaks.
                # Only a typed code counts as a guess (code "unknown_join_code") towards the limit.
                self.add_error(
                    "join_code",
                    forms.ValidationError(
                        _("No household has this join code. Check it with your family."),
                        code="unknown_join_code" if code else "required",
                    ),
                )
            else:
                data["household"] = household
                data["grid"] = household.grid
        return data


def add_service_errors(form: forms.Form, exc: ValidationError, *, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError onto a form: each message on its field (renamed by
    `field_map` where the service and the form name it differently), the rest on the form.
    A ValidationError raised without field names goes on the form as a whole."""
    errors: dict[str | None, list[str]] = {None: list(exc.messages)}
    if hasattr(exc, "error_dict"):
        errors = {name: list(messages) for name, messages in exc.message_dict.items()}
    for name, field_messages in errors.items():
        target = (field_map or {}).get(name, name) if name is not None else None
        form.add_error(target if target in form.fields else None, field_messages)


class AuditSearchForm(forms.Form):
    """The filters of the staff audit search page (every one optional)."""

    person = forms.CharField(label=_("Person"), required=False, max_length=50)
    object_type = forms.CharField(
        label=_("Object type"), required=False, max_length=64, help_text=_("For example: order, volunteer")
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    action = forms.CharField(
        label=_("Action"), required=False, max_length=64, help_text=_("For example: order.dispatch")
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for name in ("person", "object_type", "object_id", "action"):
            data[name] = (data.get(name) or "").replace("\x00", "").strip()
        return data
