"""Notifications: written with the action, delivered after commit, retried, never sent twice."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from practice_center import notifications as service
from practice_center.channels import ChannelError, ConsoleSMSBackend
from practice_center.exceptions import NotAllowed
from practice_center.models import Delivery, DeliveryStatus, Notification
from practice_center.notifications import notify, register
from practice_center.tasks import deliver, requeue_undelivered
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODULE = "tests.practice_center.test_notifications"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

register("test_dispatched", title="Order {order} dispatched", body="{team} will help you.", channels=("sms",))
register("test_email", title="Hello {name}", body="See you.", channels=("email",))
# Strings the catalogue translates (the inbox's own), to see both languages rendered.
register("test_language", title=_("Notifications"), body=_("Mark all as read"), channels=("sms",))


class RecordingSMSBackend:
    sent: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        RecordingSMSBackend.sent.append((phone, text))


class FailingSMSBackend:
    calls = 0

    def send(self, *, phone: str, text: str) -> None:
        FailingSMSBackend.calls += 1
        raise ChannelError("SMS gateway answered 503")


@pytest.fixture(autouse=True)
def recording_sms(settings):
    settings.SMS_BACKEND = f"{MODULE}.RecordingSMSBackend"
    RecordingSMSBackend.sent = []
    FailingSMSBackend.calls = 0
    return RecordingSMSBackend.sent


def dispatched(*recipients, order=7):
    with transaction.atomic():
        return notify(
            recipients=list(recipients),
            kind="test_dispatched",
            data={"order": order, "team": "幸福村志愿服务队"},
            url=f"/activities/orders/{order}/",
        )


# --- writing -----------------------------------------------------------------------------------
def test_notify_writes_one_notification_per_recipient_and_one_sms_delivery_each(
    town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notes = dispatched(town.resident_a, town.resident_a, town.staff_a)
    assert [n.recipient for n in notes] == [town.resident_a, town.staff_a]
    note = Notification.objects.get(recipient=town.resident_a)
    assert (note.kind, note.data, note.url, note.read_at) == (
        "test_dispatched",
        {"order": 7, "team": "幸福村志愿服务队"},
        "/activities/orders/7/",
        None,
    )
    assert note.title == "Order 7 dispatched"
    assert note.body == "幸福村志愿服务队 will help you."
    assert Delivery.objects.filter(channel="sms", status=DeliveryStatus.PENDING).count() == 2


@pytest.mark.parametrize("size", [1, 12])
def test_notify_writes_in_two_inserts_whatever_the_number_of_recipients(
    town, django_assert_num_queries, django_capture_on_commit_callbacks, size
):
    people = [UserFactory() for _ in range(size)]
    with (
        django_capture_on_commit_callbacks(execute=False),
        transaction.atomic(),
        django_assert_num_queries(2),  # the notifications, then their SMS deliveries
    ):
        notify(recipients=people, kind="test_dispatched", data={"order": 1, "team": "队"})
    assert Delivery.objects.count() == size


def test_notify_skips_inactive_people_and_channels_they_cannot_be_reached_on(town, django_capture_on_commit_callbacks):
    gone = UserFactory(is_active=False)
    no_phone = UserFactory(phone=None)
    with django_capture_on_commit_callbacks(execute=False):
        notes = dispatched(gone, no_phone)
    assert [n.recipient for n in notes] == [no_phone]
    assert not Delivery.objects.exists()


def test_notifications_are_gone_when_the_action_rolls_back(town, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        dispatched(town.resident_a)
        raise RuntimeError("the action failed after notifying")
    assert not callbacks
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert RecordingSMSBackend.sent == []


def test_nothing_is_sent_before_the_commit_and_the_sms_goes_out_after_it(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatched(town.resident_a)
        assert RecordingSMSBackend.sent == []
    assert len(callbacks) == 1
    assert RecordingSMSBackend.sent == [(town.resident_a.phone, "Order 7 dispatched: 幸福村志愿服务队 will help you.")]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused(town):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notify(recipients=[town.resident_a], kind="test_dispatched", data={})
    assert not Notification.objects.exists()


def test_an_unregistered_kind_is_refused(town):
    with pytest.raises(LookupError), transaction.atomic():
        notify(recipients=[town.resident_a], kind="no_such_kind", data={})


def test_data_that_cannot_be_stored_as_json_is_refused_in_the_action(town):
    with pytest.raises(TypeError), transaction.atomic():
        notify(recipients=[town.resident_a], kind="test_dispatched", data={"order": object()})


def test_registering_an_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="pigeon"):
        register("test_pigeon", title="x", body="y", channels=("pigeon",))


def test_missing_placeholders_stay_visible_instead_of_breaking_the_inbox(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        (note,) = notify(recipients=[town.resident_a], kind="test_dispatched", data={"order": 3})
    assert note.body == "{team} will help you."


def test_a_kind_whose_code_was_removed_shows_its_name(town):
    note = Notification.objects.create(recipient=town.resident_a, kind="retired_kind", data={})
    assert (note.title, note.body) == ("retired_kind", "")


# --- languages -----------------------------------------------------------------------------------
def test_the_inbox_text_follows_the_readers_language_and_channels_use_the_portal_language(
    town, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            (note,) = notify(recipients=[town.resident_a], kind="test_language", data={})
        assert note.title == "Notifications"
    with translation.override("zh-hans"):
        assert note.title == "消息通知"
        assert note.body == "全部标为已读"
    # The SMS went out while English was active, but in the portal's language (settings.LANGUAGE_CODE).
    assert RecordingSMSBackend.sent == [(town.resident_a.phone, "消息通知: 全部标为已读")]


# --- channels -----------------------------------------------------------------------------------
def test_email_goes_to_people_with_an_address_through_djangos_mail_backend(
    town, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://portal.example.cn"
    town.resident_a.email = "zhang@example.cn"
    town.resident_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(recipients=[town.resident_a, town.resident_b], kind="test_email", data={"name": "张建国"}, url="/x/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang@example.cn"]
    assert mail.outbox[0].subject == "Hello 张建国"
    assert mail.outbox[0].body == "See you.\n\nhttps://portal.example.cn/x/"
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_person_who_lost_their_address_is_given_up_at_once(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        dispatched(town.resident_a)
    town.resident_a.phone = None
    town.resident_a.save(update_fields=["phone"])
    delivery = Delivery.objects.get()
    assert deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.FAILED, 1, "no phone number")


def test_the_console_sms_backend_logs_the_phone_masked(caplog):
    with caplog.at_level(logging.INFO, logger="practice_center.channels"):
        ConsoleSMSBackend().send(phone="13812345678", text="您好")
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text


# --- retries and no duplicates ------------------------------------------------------------------
def test_a_failing_channel_is_retried_with_exponential_back_off(town, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{MODULE}.FailingSMSBackend"
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            dispatched(town.resident_a)
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=30)
        assert delivery.last_error == "ChannelError: SMS gateway answered 503"

        # Not due yet: running the task again does nothing.
        assert deliver(delivery.pk) == "skipped"
        clock.move_to(T0 + dt.timedelta(seconds=30))
        assert deliver(delivery.pk) == "retry"
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=30 + 60)

        clock.move_to(delivery.next_attempt_at)
        settings.SMS_BACKEND = f"{MODULE}.RecordingSMSBackend"
        assert deliver(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert FailingSMSBackend.calls == 2
    assert len(RecordingSMSBackend.sent) == 1


def test_the_back_off_doubles_up_to_an_hour():
    assert [service.backoff_seconds(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_delivery_is_given_up_after_the_last_attempt(town, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = f"{MODULE}.FailingSMSBackend"
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            dispatched(town.resident_a)
        delivery = Delivery.objects.get()
        for _attempt in range(service.MAX_ATTEMPTS):
            deliver(delivery.pk)
            delivery.refresh_from_db()
            clock.move_to(delivery.next_attempt_at)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, service.MAX_ATTEMPTS)
    assert deliver(delivery.pk) == "skipped"
    assert FailingSMSBackend.calls == service.MAX_ATTEMPTS


def test_running_the_delivery_task_twice_sends_once(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        dispatched(town.resident_a)
    delivery = Delivery.objects.get()
    assert deliver(delivery.pk) == "sent"
    assert deliver(delivery.pk) == "skipped"
    assert requeue_undelivered() == 0
    assert len(RecordingSMSBackend.sent) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_claimed_by_another_worker_is_not_sent_again_until_the_claim_lapses(
    town, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            dispatched(town.resident_a)
        delivery = Delivery.objects.get()
        # Another worker claimed it and died before recording the result.
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=1, next_attempt_at=T0 + dt.timedelta(seconds=service.CLAIM_SECONDS)
        )
        assert deliver(delivery.pk) == "skipped"
        clock.move_to(T0 + dt.timedelta(seconds=service.CLAIM_SECONDS))
        assert deliver(delivery.pk) == "sent"
    assert len(RecordingSMSBackend.sent) == 1


# --- the outbox survives a broker that is down ----------------------------------------------------
def test_a_broker_that_is_down_neither_undoes_the_action_nor_loses_the_message(
    town, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(deliver, "apply_async", broker_down)
    with (
        caplog.at_level(logging.WARNING, logger="practice_center.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dispatched(town.resident_a)
    assert "requeue_undelivered will retry" in caplog.text
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert RecordingSMSBackend.sent == []

    monkeypatch.undo()
    assert requeue_undelivered() == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(RecordingSMSBackend.sent) == 1


def test_the_periodic_task_requeues_only_pending_deliveries_that_are_due(town, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            dispatched(town.resident_a, order=1)
            dispatched(town.resident_b, order=2)
            dispatched(town.staff_a, order=3)
        due, later, failed = Delivery.objects.order_by("pk")
        Delivery.objects.filter(pk=later.pk).update(next_attempt_at=T0 + dt.timedelta(minutes=5))
        Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
        assert requeue_undelivered() == 1
        assert [text for _phone, text in RecordingSMSBackend.sent] == [
            "Order 1 dispatched: 幸福村志愿服务队 will help you."
        ]
        clock.move_to(T0 + dt.timedelta(minutes=5))
        assert requeue_undelivered() == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED


def test_the_periodic_task_is_on_the_beat_schedule_every_minute():
    from practice_center.celery import app

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"].endswith("requeue_undelivered"))
    assert entry["schedule"] == 60


# --- reading and marking ------------------------------------------------------------------------
def test_marking_read_keeps_the_first_read_time(town):
    note = Notification.objects.create(recipient=town.resident_a, kind="test_dispatched", data={}, created_at=T0)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        service.notification_mark_read(notification=note, user=town.resident_a)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        service.notification_mark_read(notification=note, user=town.resident_a)
    note.refresh_from_db()
    assert note.read_at == T0 + dt.timedelta(days=1)


def test_nobody_marks_someone_elses_notification_read(town):
    note = Notification.objects.create(recipient=town.resident_a, kind="test_dispatched", data={})
    with pytest.raises(NotAllowed):
        service.notification_mark_read(notification=note, user=town.admin)


def test_marking_all_read_touches_only_the_persons_own_unread_notifications(town):
    for user in (town.resident_a, town.resident_a, town.resident_b):
        Notification.objects.create(recipient=user, kind="test_dispatched", data={})
    assert service.notification_mark_all_read(user=town.resident_a) == 2
    assert service.notification_mark_all_read(user=town.resident_a) == 0
    assert service.unread_count(town.resident_a) == 0
    assert service.unread_count(town.resident_b) == 1
