"""`{% star_progress hours volunteer %}`: the progress to the next star, and the link to the
certificates for those who may read them (arithmetic and the caller's cached scope; no query
of its own once the view has asked the scope)."""

from django import template

from volunteers.certificate_permissions import may_read_certificates
from volunteers.milestones import star_progress as progress_of

register = template.Library()


@register.inclusion_tag("volunteers/certificates/_progress.html", takes_context=True)
def star_progress(context, hours, volunteer=None) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    show_link = volunteer is not None and user is not None and may_read_certificates(user, volunteer)
    return {"progress": progress_of(hours), "volunteer": volunteer if show_link else None}
