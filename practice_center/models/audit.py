"""The audit trail: one row for every state change, written in the change's own transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice_center.models.organisation import Site
from practice_center.scoping import scope


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:
        """Center admins see every row; staff see rows of the sites they manage (and below)."""
        sc = scope(user)
        if not sc.is_staff_anywhere:
            return self.none()
        if sc.is_center_admin:
            return self
        return self.filter(sc.site_q("site"))

    def search(
        self,
        *,
        person: str = "",
        object_type: str = "",
        object_id: str = "",
        action: str = "",
        since=None,
        until=None,
    ) -> AuditEventQuerySet:
        """Rows by who acted (user name, real name or phone, contains), object type (e.g.
        "activities.order" or "order"), object id, action (prefix: "order." or "order.dispatch")
        and a date range (dates, both included, in the portal's time zone)."""
        rows = self
        if person:
            rows = rows.filter(
                Q(actor__username__icontains=person) | Q(actor__name__icontains=person) | Q(actor__phone=person)
            )
        if object_type:
            rows = rows.filter(Q(object_type=object_type) | Q(object_type__endswith=f".{object_type}"))
        if object_id:
            rows = rows.filter(object_id=object_id)
        if action:
            rows = rows.filter(action__startswith=action)
        if since is not None:
            rows = rows.filter(at__date__gte=since)
        if until is not None:
            rows = rows.filter(at__date__lte=until)
        return rows


class AuditEvent(models.Model):
    """Who changed what, on which object, from which values to which, when, in which request.

    Rows are written by `practice_center.audit.audit_record` inside the transaction of the
    change itself, so a change and its row commit or roll back together; they are never edited.
    `site` is where the object belongs (an order's station, a household's station), so staff
    can search the rows of their subtree.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {field: [before, after]}
    data = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            # The history of one object, newest first.
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            # Staff search of their subtree, newest first.
            models.Index(fields=["site", "-at"], name="audit_site_at_idx"),
            # What one person did.
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
