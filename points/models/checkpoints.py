"""Ledger checkpoints: a digest of every account's head, anchored outside the database."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerCheckpoint(models.Model):
    """One checkpoint of the whole ledger (points/checkpoints.py takes them daily).

    `digest` = HMAC-SHA256 (settings.LEDGER_HMAC_KEY) over every account's
    "id:last_sequence:last_hash" line in id order. The heads themselves are written to a file
    outside the database (settings.LEDGER_CHECKPOINT_DIR), the digest is e-mailed to the center
    admins and printed on the published monthly bulletin; `verify_points_ledger` checks the
    chains against the files. This row only lists what was taken, for pages to print.
    """

    taken_at = models.DateTimeField(_("taken at"), unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    accounts = models.PositiveIntegerField(_("accounts"))
    entries = models.PositiveBigIntegerField(_("entries"))
    file_name = models.CharField(_("file"), max_length=200)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.digest[:16]}"
