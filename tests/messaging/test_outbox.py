"""The outbox: one row per e-mail, sent once, retried on failure, swept when its task is lost."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cases.models import CaseEvent
from config.roles import OWNERS
from messaging.models import OutboundMessage, OutboundStatus, OwnerNotificationSetting
from messaging.services import notify_buyer, notify_owners, outbox_send, outbox_sweep

pytestmark = pytest.mark.django_db


def test_notify_buyer_enqueues_the_send_only_after_commit(swedish_claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = notify_buyer(case=swedish_claim.case, event="refund_issued", context={"reason": "x"})

    assert message.status == OutboundStatus.QUEUED
    assert message.to_email == "karin.lind@example.se"
    assert len(callbacks) == 1


def test_rolled_back_change_leaves_no_email(swedish_claim):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_buyer(case=swedish_claim.case, event="refund_issued")
        raise RuntimeError("the change failed")

    assert not OutboundMessage.objects.filter(event="refund_issued").exists()


def test_each_call_gets_the_next_sequence(swedish_claim):
    first = notify_buyer(case=swedish_claim.case, event="carrier_claim_filed")
    second = notify_buyer(case=swedish_claim.case, event="carrier_claim_filed")

    assert (first.sequence, second.sequence) == (1, 2)


def test_caller_given_sequence_makes_the_email_idempotent(swedish_claim):
    first = notify_buyer(case=swedish_claim.case, event="replacement_shipped", sequence=7)
    again = notify_buyer(case=swedish_claim.case, event="replacement_shipped", sequence=7)

    assert again.pk == first.pk
    assert OutboundMessage.objects.filter(event="replacement_shipped").count() == 1


def test_case_without_buyer_email_gets_no_row(swedish_claim):
    case = swedish_claim.case
    case.buyer.email = ""
    case.buyer.save()

    assert notify_buyer(case=case, event="refund_issued") is None


def test_send_renders_in_the_buyers_language_with_threading_headers(queued, locmem_mail):
    outcome = outbox_send(message_id=queued.pk)

    assert outcome.sent
    [email] = mail.outbox
    message = email.message()
    assert message["Content-Language"] == "sv"
    assert message["Message-ID"] == queued.message_id
    assert email.reply_to == [f"reply+{queued.reply_token}@reply.postsale.test"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Vi har tagit emot" in email.subject
    assert email.alternatives[0].mimetype == "text/html"
    queued.refresh_from_db()
    assert queued.status == OutboundStatus.SENT and queued.language == "sv"
    assert CaseEvent.objects.filter(case=queued.case, verb="email_sent").exists()


def test_second_delivery_of_the_task_sends_nothing(queued, locmem_mail):
    outbox_send(message_id=queued.pk)
    outcome = outbox_send(message_id=queued.pk)

    assert not outcome.sent and outcome.retry_in is None
    assert len(mail.outbox) == 1


def test_row_being_sent_by_a_live_worker_is_left_alone(queued, locmem_mail):
    OutboundMessage.objects.filter(pk=queued.pk).update(
        status=OutboundStatus.SENDING, claimed_at=timezone.now()
    )

    outcome = outbox_send(message_id=queued.pk)

    assert not outcome.sent and outcome.retry_in > 0
    assert mail.outbox == []


def test_row_left_sending_by_a_dead_worker_is_sent_after_the_timeout(queued, locmem_mail, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.POSTSALE_EMAIL_STALE_SECONDS + 1)
    OutboundMessage.objects.filter(pk=queued.pk).update(
        status=OutboundStatus.SENDING, claimed_at=long_ago, attempts=1
    )

    assert outbox_sweep() == [queued.pk]
    assert outbox_send(message_id=queued.pk).sent
    assert len(mail.outbox) == 1


def test_smtp_failure_requeues_with_backoff(queued, settings, monkeypatch):
    def refuse(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in >= 30
    assert queued.status == OutboundStatus.QUEUED and queued.attempts == 1
    assert "unexpectedly closed" in queued.last_error


def test_email_fails_for_good_after_the_last_attempt(queued, settings, monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(SMTPServerDisconnected("gone")),
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundMessage.objects.filter(pk=queued.pk).update(attempts=settings.POSTSALE_EMAIL_MAX_ATTEMPTS - 1)

    outcome = outbox_send(message_id=queued.pk)

    queued.refresh_from_db()
    assert outcome.retry_in is None and queued.status == OutboundStatus.FAILED
    assert CaseEvent.objects.filter(case=queued.case, verb="email_failed").exists()


def test_sweep_finds_rows_whose_task_never_ran(queued, settings):
    later = timezone.now() + timedelta(seconds=settings.POSTSALE_EMAIL_LOST_SECONDS + 1)

    assert outbox_sweep() == []
    assert outbox_sweep(now=later) == [queued.pk]


def test_owner_notifications_honour_each_owners_setting(swedish_claim, owner):
    owner.email = "owner@leinen.example"
    owner.save()
    quiet = User.objects.create_user("quiet", email="quiet@leinen.example")
    quiet.groups.add(Group.objects.get(name=OWNERS))
    OwnerNotificationSetting.objects.create(user=quiet, event="owner_escalation", enabled=False)

    messages = notify_owners(
        case=swedish_claim.case, event="owner_escalation", context={"reason": "over limit"}
    )

    assert [m.to_email for m in messages] == ["owner@leinen.example"]
