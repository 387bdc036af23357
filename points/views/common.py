"""Small helpers the points pages share."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from practice_center.models import Household, Site, SiteLevel, User


def managed_sites(user) -> QuerySet[Site]:
    """Sites (no bases) in the subtrees the user manages, in tree order."""
    return Site.objects.managed_by(user).exclude(level=SiteLevel.BASE)


def own_household(request: HttpRequest) -> Household:
    """The signed-in person's household; 404 for someone who belongs to none."""
    household = cast(User, request.user).household  # its callers are login_required
    if household is None:
        raise Http404(_("You do not belong to a household."))
    return household
