"""ESP webhooks through anymail: Mailgun and Postmark, tracking and inbound, forged requests refused."""

import base64
import hashlib
import hmac
import json
import time
from email.message import EmailMessage

import pytest
from django.test import Client

from cases.models import CaseStatus
from messaging.models import DeliveryEvent, InboundMessage, OutboundStatus
from messaging.services.sending import outbox_send

pytestmark = pytest.mark.django_db

MAILGUN_KEY = "key-mailgun-test-signing"
BASIC = ("anymail", "webhook-secret")


@pytest.fixture(autouse=True)
def anymail_settings(settings, locmem_mail):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ":".join(BASIC), "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


@pytest.fixture
def sent(queued):
    outbox_send(message_id=queued.pk)
    queued.refresh_from_db()
    return queued


def basic_auth(user=BASIC[0], password=BASIC[1]):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def mailgun_signature(token="tok-1", key=MAILGUN_KEY):
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


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


def post_json(url, payload, **headers):
    return Client().post(url, json.dumps(payload), content_type="application/json", **headers)


def test_mailgun_delivered_event_marks_the_email_delivered(sent):
    response = post_json("/anymail/mailgun/tracking/", mailgun_event(sent, "delivered"), **basic_auth())

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.DELIVERED and sent.delivered_at


def test_duplicate_mailgun_event_is_recorded_once(sent):
    payload = mailgun_event(
        sent, "failed", severity="permanent", **{"delivery-status": {"description": "No such user"}}
    )
    post_json("/anymail/mailgun/tracking/", payload, **basic_auth())
    post_json("/anymail/mailgun/tracking/", payload, **basic_auth())

    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED
    assert DeliveryEvent.objects.count() == 1
    assert sent.case.events.filter(verb="email_bounced").count() == 1


def test_late_delivered_event_does_not_hide_a_bounce(sent):
    post_json(
        "/anymail/mailgun/tracking/",
        mailgun_event(sent, "failed", token="a", severity="permanent"),
        **basic_auth(),
    )
    post_json("/anymail/mailgun/tracking/", mailgun_event(sent, "delivered", token="b"), **basic_auth())

    sent.refresh_from_db()
    assert sent.status == OutboundStatus.BOUNCED


def test_mailgun_event_with_a_bad_signature_is_refused(sent):
    response = post_json(
        "/anymail/mailgun/tracking/", mailgun_event(sent, "delivered", key="forged-key"), **basic_auth()
    )

    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.SENT


def test_postmark_delivery_and_complaint_update_the_email(sent):
    base = {"MessageID": "pm-1", "Recipient": sent.to_email, "Metadata": {"postsale_message": str(sent.pk)}}
    delivered = post_json(
        "/anymail/postmark/tracking/",
        {**base, "RecordType": "Delivery", "DeliveredAt": "2025-05-06T14:32:00Z"},
        **basic_auth(),
    )
    complained = post_json(
        "/anymail/postmark/tracking/",
        {
            **base,
            "RecordType": "SpamComplaint",
            "Type": "SpamComplaint",
            "ID": 42,
            "BouncedAt": "2025-05-07T08:00:00Z",
        },
        **basic_auth(),
    )

    assert delivered.status_code == complained.status_code == 200
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.COMPLAINED


def test_postmark_webhook_without_the_shared_secret_is_refused(sent):
    response = post_json(
        "/anymail/postmark/tracking/",
        {"RecordType": "Delivery", "MessageID": "pm-1", "Metadata": {"postsale_message": str(sent.pk)}},
        **basic_auth(password="wrong"),
    )

    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == OutboundStatus.SENT


def reply_mime(sent, text, **headers):
    message = EmailMessage()
    message["From"] = f"Karin Lind <{sent.to_email}>"
    message["To"] = f"reply+{sent.reply_token}@reply.postsale.test"
    message["Subject"] = "Re: " + sent.subject
    message["Message-ID"] = "<reply-1@example.se>"
    message["In-Reply-To"] = sent.message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_string()


def test_mailgun_inbound_reply_threads_onto_the_case(sent):
    case = sent.case
    case.status = CaseStatus.WAITING_ON_BUYER
    case.save()
    text = "Paketet har inte kommit, grannarna har inget.\n\nOn Tue, Postsale wrote:\n> Hej Karin!\n> gammal text\n"

    response = Client().post(
        "/anymail/mailgun/inbound/",
        {"body-mime": reply_mime(sent, text), **mailgun_signature("in-1")},
        **basic_auth(),
    )

    assert response.status_code == 200
    [reply] = InboundMessage.objects.all()
    assert reply.case == case and reply.in_reply_to == sent
    assert reply.body == "Paketet har inte kommit, grannarna har inget."
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_mailgun_inbound_with_a_bad_signature_is_refused(sent):
    response = Client().post(
        "/anymail/mailgun/inbound/",
        {"body-mime": reply_mime(sent, "hej"), **mailgun_signature("in-2", key="forged")},
        **basic_auth(),
    )

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_postmark_inbound_reply_is_matched_by_in_reply_to(sent):
    payload = {
        "FromFull": {"Email": sent.to_email, "Name": "Karin Lind"},
        "ToFull": [{"Email": "hilfe@leinen.example", "Name": ""}],
        "Subject": "Re: paketet",
        "TextBody": "Nu har det kommit, tack!",
        "MessageID": "pm-in-1",
        "Headers": [
            {"Name": "Message-ID", "Value": "<pm-in-1@example.se>"},
            {"Name": "In-Reply-To", "Value": sent.message_id},
        ],
        "Attachments": [],
    }

    response = post_json("/anymail/postmark/inbound/", payload, **basic_auth())

    assert response.status_code == 200
    [reply] = InboundMessage.objects.all()
    assert reply.case == sent.case and reply.body == "Nu har det kommit, tack!"


def test_postmark_inbound_without_the_shared_secret_is_refused(sent):
    response = post_json("/anymail/postmark/inbound/", {"TextBody": "x"}, **basic_auth(password="nope"))

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()
