"""Notifications: the in-app inbox and the outbox of deliveries to other channels.

A `Notification` is written in the same transaction as the action that caused it; each extra
channel (email, SMS, WeChat) gets a `Delivery` row that Celery works off after commit. The
texts are not stored: `kind` names strings registered in `practice_center.notification_kinds`, and
`data` fills their placeholders, so each reader sees them in the language they chose.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from practice_center.choices import Channel
from practice_center.notification_kinds import render


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """A person sees only their own notifications, staff and admins included."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person, shown in their inbox; `kind` + `data` render its text."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        # The composite indexes below lead with recipient_id; a separate one would be dead weight.
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=64)
    data = models.JSONField(_("data"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Serves the inbox list: WHERE recipient_id = ? ORDER BY created_at DESC.
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created_idx"),
            # Serves the header badge and ?unread=1: WHERE recipient_id = ? AND read_at IS NULL
            # (newest first); partial, so it stays small however long the read history grows.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notif_unread_recipient_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=""), name="notification_kind_not_empty"),
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def title(self) -> str:
        """The title in the current language (the reader's)."""
        return render(self.kind, "title", self.data)

    @property
    def body(self) -> str:
        return render(self.kind, "body", self.data)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Pending")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None) -> DeliveryQuerySet:
        """Pending deliveries whose next attempt time has come (and whose claim has lapsed)."""
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now())


class Delivery(models.Model):
    """The outbox row of one notification on one extra channel (the inbox needs none).

    A worker claims it with a conditional UPDATE (`status = pending AND next_attempt_at <= now`)
    that pushes `next_attempt_at` a lease ahead, so two runs of the task never both send it;
    a failure sets the next attempt with exponential back-off until the attempts run out.
    """

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # Serves requeue_undelivered: WHERE status = 'pending' AND next_attempt_at <= now.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
            models.CheckConstraint(condition=Q(channel__in=[c.value for c in Channel]), name="delivery_channel_known"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DeliveryStatus]), name="delivery_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(status="sent") & Q(sent_at__isnull=False)) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="delivery_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} · {self.channel} · {self.status}"
