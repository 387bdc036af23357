"""The common part of every workflow's history rows (practice_center.workflow writes them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkflowEvent(models.Model):
    """One step of an object's workflow: who (`actor`, None for the system), when (`at`), why
    (`note`) and what the step carried (`data`, JSON). Each concrete event model adds the foreign
    key to its object and `action`, `from_status`, `to_status` with its own choices."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
