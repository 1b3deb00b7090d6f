"""ESP webhooks: only the configured ESP's routes, only with its secret; mail stored for the worker,
delivery events matched on the ESP's own message id."""

import json
import time

import pytest
from django.test import Client

from cases.models import CaseStatus
from messaging.models import DeliveryEvent, InboundDelivery, InboundMessage, InboundStatus, OutboundStatus

from .conftest import (
    MAILGUN_KEY,
    basic_auth,
    mailgun_signature,
    post_json,
    post_mailgun_mime,
    process_deliveries,
    reply_mime,
)

pytestmark = pytest.mark.django_db


def mailgun_event(message, event, token="tok-1", key=MAILGUN_KEY, **extra):
    return {
        "signature": mailgun_signature(token, key),
        "event-data": {
            "event": event,
            "timestamp": time.time(),
            "id": "evt-" + token,
            "recipient": message.to_email,
            "message": {"headers": {"message-id": message.message_id.strip("<>")}},
            "user-variables": {"postsale_message": str(message.pk)},
            **extra,
        },
    }


def postmark_event(message, record_type, **fields):
    return {
        "RecordType": record_type,
        "MessageID": message.esp_message_id,
        "Recipient": message.to_email,
        "Metadata": {"postsale_message": str(message.pk)},
        **fields,
    }


# --- which routes answer ------------------------------------------------------------------


def test_only_the_configured_esps_routes_answer(postmark):
    assert Client().head("/anymail/postmark/inbound/").status_code == 200
    for route in ("mailgun/inbound/", "mailgun/tracking/", "sendgrid/inbound/", "amazon_ses/tracking/"):
        assert Client().post(f"/anymail/{route}", {}, **basic_auth()).status_code == 404, route


def test_without_a_configured_esp_no_webhook_answers(settings):
    settings.POSTSALE_WEBHOOK_ESP = ""

    assert Client().post("/anymail/postmark/inbound/", {}).status_code == 404


def test_with_debug_off_and_no_secret_the_webhook_takes_nothing(postmark, settings, sent_by_postmark):
    settings.DEBUG = False
    settings.ANYMAIL = {key: value for key, value in settings.ANYMAIL.items() if key != "WEBHOOK_SECRET"}

    response = post_json("/anymail/postmark/inbound/", {"TextBody": "x"})

    # 503: the ESP keeps the mail and tries again once the secret is set.
    assert response.status_code == 503
    assert not InboundDelivery.objects.exists()


# --- delivery events ------------------------------------------------------------------------


def test_mailgun_delivered_event_marks_the_email_delivered(mailgun, sent):
    response = post_json("/anymail/mailgun/tracking/", mailgun_event(sent, "delivered"), **basic_auth())

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.DELIVERED and sent.delivered_at


def test_duplicate_mailgun_event_is_recorded_once(mailgun, sent):
    payload = mailgun_event(
        sent, "failed", severity="permanent", **{"delivery-status": {"description": "No such user"}}
    )
    post_json("/anymail/mailgun/tracking/", payload, **basic_auth())
    post_json("/anymail/mailgun/tracking/", payload, **basic_auth())

    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED
    assert DeliveryEvent.objects.count() == 1
    assert sent.case.events.filter(verb="email_bounced").count() == 1


def test_late_delivered_event_does_not_hide_a_bounce(mailgun, sent):
    post_json(
        "/anymail/mailgun/tracking/",
        mailgun_event(sent, "failed", token="a", severity="permanent"),
        **basic_auth(),
    )
    post_json("/anymail/mailgun/tracking/", mailgun_event(sent, "delivered", token="b"), **basic_auth())

    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED


def test_mailgun_event_with_a_bad_signature_is_refused(mailgun, sent):
    response = post_json(
        "/anymail/mailgun/tracking/", mailgun_event(sent, "delivered", key="forged-key"), **basic_auth()
    )

    assert response.status_code == 401
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.SENT


def test_postmark_delivery_and_complaint_update_the_email(sent_by_postmark):
    sent = sent_by_postmark
    delivered = post_json(
        "/anymail/postmark/tracking/",
        postmark_event(sent, "Delivery", DeliveredAt="2025-05-06T14:32:00Z"),
        **basic_auth(),
    )
    complained = post_json(
        "/anymail/postmark/tracking/",
        postmark_event(sent, "SpamComplaint", Type="SpamComplaint", ID=42, BouncedAt="2025-05-07T08:00:00Z"),
        **basic_auth(),
    )

    assert delivered.status_code == complained.status_code == 200
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.COMPLAINED


def test_postmark_webhook_without_the_shared_secret_is_refused(sent_by_postmark):
    response = post_json(
        "/anymail/postmark/tracking/",
        postmark_event(sent_by_postmark, "Delivery"),
        **basic_auth(password="wrong"),
    )

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    sent_by_postmark.refresh_from_db()
    assert sent_by_postmark.status == OutboundStatus.SENT


def test_forged_bounce_naming_an_email_by_our_sequential_id_changes_nothing(sent_by_postmark):
    # Whoever holds the webhook secret (a leaked ESP dashboard, say) knows our ids count up from 1,
    # and puts one into the metadata we send along; they do not know Postmark's MessageID.
    victim = sent_by_postmark
    forged = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "ID": 4242,
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Email": victim.to_email,
        "Recipient": victim.to_email,
        "BouncedAt": "2026-11-23T14:02:00Z",
        "Metadata": {"postsale_message": str(victim.pk)},
    }

    response = post_json("/anymail/postmark/tracking/", forged, **basic_auth())

    assert response.status_code == 200  # well-formed, so acknowledged; and ignored
    victim.refresh_from_db()
    assert victim.status == OutboundStatus.SENT and not victim.last_error
    assert not victim.case.events.filter(verb="email_bounced").exists()


def test_bounce_with_the_right_id_for_another_recipient_is_ignored(sent_by_postmark):
    post_json(
        "/anymail/postmark/tracking/",
        postmark_event(sent_by_postmark, "Bounce", Type="HardBounce", ID=7, Recipient="someone@else.example"),
        **basic_auth(),
    )

    sent_by_postmark.refresh_from_db()
    assert sent_by_postmark.status == OutboundStatus.SENT


# --- mail ---------------------------------------------------------------------------------------


def test_mailgun_inbound_reply_is_stored_at_once_and_read_by_the_worker(mailgun, sent):
    case = sent.case
    case.status = CaseStatus.WAITING_ON_BUYER
    case.save()
    text = "Paketet har inte kommit, grannarna har inget.\n\nOn Tue, Postsale wrote:\n> Hej Karin!\n> gammal text\n"

    response = post_mailgun_mime(reply_mime(sent, text))

    assert response.status_code == 200
    # The request stored the post as it came and read nothing of it.
    [delivery] = InboundDelivery.objects.all()
    assert delivery.status == InboundStatus.RECEIVED and not InboundMessage.objects.exists()

    process_deliveries()

    [reply] = InboundMessage.objects.all()
    assert reply.case == case and reply.in_reply_to == sent and reply.delivery == delivery
    assert reply.body == "Paketet har inte kommit, grannarna har inget."
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_mailgun_inbound_with_a_bad_signature_is_refused(mailgun, sent):
    response = Client().post(
        "/anymail/mailgun/inbound_mime/",
        {"body-mime": reply_mime(sent, "hej"), **mailgun_signature("in-2", key="forged")},
        **basic_auth(),
    )

    assert response.status_code == 401
    assert not InboundDelivery.objects.exists()


def postmark_inbound(sent, text="Nu har det kommit, tack!", sender=None, **fields):
    return {
        "FromFull": {"Email": sender or sent.to_email, "Name": "Karin Lind"},
        "ToFull": [{"Email": "hilfe@leinen.example", "Name": ""}],
        "Subject": "Re: paketet",
        "TextBody": text,
        "MessageID": "pm-in-1",
        "Headers": [
            {"Name": "Message-ID", "Value": f"<pm-in-{time.time_ns()}@example.se>"},
            {"Name": "In-Reply-To", "Value": sent.message_id},
        ],
        "Attachments": [],
        **fields,
    }


def test_postmark_inbound_reply_is_matched_by_in_reply_to(sent_by_postmark):
    response = post_json("/anymail/postmark/inbound/", postmark_inbound(sent_by_postmark), **basic_auth())
    process_deliveries()

    assert response.status_code == 200
    [reply] = InboundMessage.objects.all()
    assert reply.case == sent_by_postmark.case and reply.body == "Nu har det kommit, tack!"


def test_forged_inbound_post_without_the_secret_is_refused_and_stores_nothing(sent_by_postmark):
    # A stranger posts a "reply" as the buyer straight to the webhook, with no or a guessed secret.
    for auth in ({}, basic_auth(password="guess"), basic_auth(user="postmark", password=WEBHOOK_GUESS)):
        response = post_json("/anymail/postmark/inbound/", postmark_inbound(sent_by_postmark), **auth)

        assert response.status_code == 401
    assert not InboundDelivery.objects.exists() and not InboundMessage.objects.exists()


WEBHOOK_GUESS = "webhook-secret"


def test_a_post_larger_than_the_limit_is_refused(sent_by_postmark, settings):
    settings.POSTSALE_INBOUND_MAX_BYTES = 10_000

    response = post_json(
        "/anymail/postmark/inbound/", postmark_inbound(sent_by_postmark, text="x" * 20_000), **basic_auth()
    )

    assert response.status_code == 413
    assert not InboundDelivery.objects.exists()


def test_the_stored_post_keeps_no_credentials(sent_by_postmark):
    post_json("/anymail/postmark/inbound/", postmark_inbound(sent_by_postmark), **basic_auth())

    [delivery] = InboundDelivery.objects.all()
    assert "HTTP_AUTHORIZATION" not in delivery.meta
    assert json.loads(bytes(delivery.body))["TextBody"] == "Nu har det kommit, tack!"


def test_a_mail_with_unencoded_umlauts_in_its_headers_is_read(mailgun, shop):
    raw = "From: Jörg Müller <jm@example.de>\nTo: hilfe@leinen.example\nSubject: Grüße\n\nHallo\n"

    post_mailgun_mime(raw)
    process_deliveries()

    [mail] = InboundMessage.objects.all()
    assert (mail.from_name, mail.subject, mail.case.buyer.name) == ("Jörg Müller", "Grüße", "Jörg Müller")
