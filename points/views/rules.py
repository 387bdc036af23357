"""How points are earned: the rules with their versions; the center admin changes a rule's points."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from points import selectors
from points.forms import RuleVersionForm
from points.models import Rule
from points.permissions import may_edit_rules
from points.services import catalogue
from practice_center.models import User
from practice_center.pages import run_service


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """How points are earned: every active rule with its version history."""
    user = cast(User, request.user)  # login_required
    items = []
    for rule in selectors.rules_in_force():
        items.append({"rule": rule, "current": selectors.current_version(rule), "versions": rule.versions.all()})
    return render(request, "points/rules.html", {"items": items, "is_admin": may_edit_rules(user)})


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Center admin: change a rule's points, which makes a new version (old entries keep theirs)."""
    user = cast(User, request.user)  # login_required
    if not may_edit_rules(user):
        raise PermissionDenied
    rule = get_object_or_404(Rule.objects.managed_by(user).prefetch_related(Prefetch("versions")), pk=rule_id)
    form = RuleVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = run_service(
            request,
            form,
            catalogue.rule_change_points,
            rule=rule,
            points=form.cleaned_data["points"],
            actor=user,
            note=form.cleaned_data["note"],
        )
        if version is not None:
            messages.success(request, _("Version %(number)s of the rule is in force.") % {"number": version.number})
            return redirect("points:rules")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "points/rule_edit.html",
        {"rule": rule, "form": form, "current": selectors.current_version(rule)},
        status=status,
    )
