"""Issue 15, problems 1 and 4: what an agent types for the timeline never reaches the buyer; the
message to the buyer is prefilled in their language, previewed as the mail that is sent, and signed
with the agent's name for the shop; the hints and confirms say who is told.

The mails are read from a real SMTP server (aiosmtpd), sent by the outbox service the worker runs.
"""

import html
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from cases.choices import ClaimType
from cases.models import CaseEvent, CaseStatus, RefundLimit
from claims import services
from claims.models import Resolution
from config.roles import AGENTS
from decisions.models import DecisionRecord
from messaging.models import AgentSignature, Audience, OutboundMessage
from messaging.services.sending import outbox_send
from tests.factories import NAPKINS, make_claim, make_order, track
from tests.messaging.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db

# The agent's note from the issue: a signature the buyer may not know of, and our risk flag, in German.
NOTE = "Zustellung mit Unterschrift Holm bestätigt; Käuferin ist markiert."


@pytest.fixture
def sink(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield sink


@pytest.fixture
def swedish_buyers_case(shop, carrier, agent):
    """A Swedish buyer of the German shop says a dozen napkins were missing; no recommendation yet."""
    order = make_order(
        shop, email="sabine.kroger@example.se", language="sv", lines=[dict(NAPKINS, quantity=4)]
    )
    track(order, "delivered", days_ago=1, signed_by="Holm")
    claim = make_claim(
        order, ClaimType.MISSING_ITEMS, lines=[services.LineIn(order_line=order.lines.get(), quantity=1)]
    )
    OutboundMessage.objects.filter(case=claim.case).delete()  # the acknowledgement is not under test
    return claim.case


@pytest.fixture
def signed(agent, shop):
    """The agent signs Swedish mail to Leinen & Liebe's buyers as Maja, with the shop's service line."""
    return AgentSignature.objects.create(
        user=agent, shop=shop, language="sv", display_name="Maja Lindqvist", signature="Kundservice"
    )


def _prefill(client, case, action: str) -> str:
    response = client.get(f"/desk/cases/{case.reference}/act/message/", {"action": action})
    assert response.status_code == 200
    return html.unescape(
        re.search(r"<textarea[^>]*>(.*)</textarea>", response.content.decode(), re.S).group(1)
    )


def _preview(client, case, **data) -> str:
    response = client.post(f"/desk/cases/{case.reference}/act/preview/", {"goodwill": "on", **data})
    assert response.status_code == 200, response.content.decode()
    return html.unescape(re.search(r"<pre>(.*?)</pre>", response.content.decode(), re.S).group(1))


def _send_all(case, sink: SmtpSink) -> list:
    queued = list(OutboundMessage.objects.filter(case=case, audience=Audience.BUYER).order_by("pk"))
    for message in queued:
        outbox_send(message_id=message.pk)
    return sink.wait_for(len(queued))


def _plain(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def _unsigned(text: str) -> str:
    # The portal link in the footer is signed with the second it was made: the rest must be equal.
    return re.sub(r"(/portal/[^/\s]+/o/)[^/\s]+", r"\1…", text).replace("\r\n", "\n")


def test_the_internal_reason_never_reaches_the_swedish_buyer(client, agent, swedish_buyers_case, sink):
    case = swedish_buyers_case
    client.force_login(agent)
    message = _prefill(client, case, "deny")
    assert message.startswith("Tack för ditt tålamod"), "prefilled in the buyer's language, Swedish"

    response = client.post(
        f"/desk/cases/{case.reference}/act/",
        {"action": "deny", "reason": NOTE, "buyer_message": message, "goodwill": "on"},
    )

    assert response.status_code == 302
    [mail] = _send_all(case, sink)
    body = _plain(mail) + mail.get_body(("html",)).get_content()
    assert NOTE not in body and "Käuferin" not in body and "Holm" not in body
    assert message.splitlines()[0] in _plain(mail)
    assert mail["To"].addresses[0].addr_spec == "sabine.kroger@example.se"
    # The note is where it belongs: the timeline and the resolution.
    assert Resolution.objects.get(case=case).reason == NOTE
    assert CaseEvent.objects.filter(case=case, data__reason=NOTE).exists()


def test_the_preview_is_the_mail_that_is_sent_with_greeting_and_the_agents_signature(
    client, agent, swedish_buyers_case, signed, sink
):
    case = swedish_buyers_case
    client.force_login(agent)
    message = "Hej Sabine,\n\nvi har tittat på vikten: paketet vägde vad hela beställningen väger."
    data = {"action": "deny", "reason": NOTE, "buyer_message": message}

    preview = _preview(client, case, **data)
    client.post(f"/desk/cases/{case.reference}/act/", {"goodwill": "on", **data})
    [mail] = _send_all(case, sink)

    assert _unsigned(preview).strip() == _unsigned(_plain(mail)).strip()
    assert preview.splitlines()[0] == "Hej Sabine!", "the same greeting, as a Swedish shop writes it"
    assert "Maja Lindqvist\nKundservice\nLeinen & Liebe" in preview
    assert "agent" not in _plain(mail).split("--")[0], "never the login name"


def test_a_preview_sends_nothing_and_changes_nothing(client, agent, swedish_buyers_case):
    case = swedish_buyers_case
    RefundLimit.objects.create(shop=case.shop, group=Group.objects.get(name=AGENTS), amount=Decimal("500"))
    client.force_login(agent)

    preview = _preview(client, case, action="refund", reason="Gewicht passt nicht", buyer_message="Förlåt!")

    assert "Förlåt!" in preview
    case.refresh_from_db()
    assert case.status != CaseStatus.RESOLVED
    assert not OutboundMessage.objects.filter(case=case).exists()
    assert not Resolution.objects.filter(case=case).exists()
    assert not case.refunds.exists()


def test_a_preview_refused_for_a_missing_reason_names_it_and_writes_nothing(
    client, agent, swedish_buyers_case
):
    client.force_login(agent)

    response = client.post(
        f"/desk/cases/{swedish_buyers_case.reference}/act/preview/",
        {"action": "deny", "buyer_message": "Nej."},
    )

    assert response.status_code == 400
    assert "internal reason" in response.content.decode()
    assert not OutboundMessage.objects.filter(case=swedish_buyers_case).exists()


def test_a_refused_action_shows_its_error_next_to_the_form_with_what_was_typed(
    client, agent, swedish_buyers_case
):
    client.force_login(agent)

    response = client.post(
        f"/desk/cases/{swedish_buyers_case.reference}/act/",
        {"action": "deny", "buyer_message": "Tyvärr kan vi inte hjälpa till.", "goodwill": "on"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    act_panel = page[page.index('id="act"') : page.index("</section>", page.index('id="act"'))]
    assert 'data-testid="act-error"' in act_panel and "internal reason" in act_panel
    assert "Tyvärr kan vi inte hjälpa till." in act_panel
    assert swedish_buyers_case.resolutions.count() == 0


def test_escalating_tells_the_owners_and_nobody_else_and_the_page_says_so(
    client, agent, owner, swedish_buyers_case
):
    owner.email = "marlene@leinen.example"
    owner.save(update_fields=["email"])
    case = swedish_buyers_case
    client.force_login(agent)

    page = html.unescape(client.get(f"/desk/cases/{case.reference}/").content.decode())
    preview = client.post(
        f"/desk/cases/{case.reference}/act/preview/", {"action": "escalate", "reason": "Zu teuer für mich"}
    ).content.decode()

    assert (
        "The shop's owners get an e-mail with your internal reason. The buyer is not told anything." in page
    )
    assert "Do this now? The buyer will be told." not in page
    assert "To the buyer" not in preview and "To the shop's owner (internal)" in preview
    assert _prefill(client, case, "escalate") == ""


def test_applying_the_recommended_escalation_needs_no_reason(client, agent, swedish_buyers_case, owner):
    case = swedish_buyers_case
    DecisionRecord.objects.create(
        case=case,
        shop=case.shop,
        action="escalate",
        reason="Über 100 EUR entscheidet die Inhaberin",
        inputs={},
    )
    client.force_login(agent)

    response = client.post(f"/desk/cases/{case.reference}/act/", {"action": "escalate", "goodwill": "on"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    assert not OutboundMessage.objects.filter(case=case, audience=Audience.BUYER).exists()


def test_the_reply_preview_greets_and_signs_like_the_sent_reply(
    client, agent, swedish_buyers_case, signed, sink
):
    case = swedish_buyers_case
    client.force_login(agent)

    preview = client.post(
        f"/desk/cases/{case.reference}/reply/preview/", {"body": "Vi skickar nya servetter."}
    )
    client.post(f"/desk/cases/{case.reference}/reply/", {"body": "Vi skickar nya servetter."})
    [mail] = _send_all(case, sink)

    shown = html.unescape(re.search(r"<pre>(.*?)</pre>", preview.content.decode(), re.S).group(1))
    assert _unsigned(shown).strip() == _unsigned(_plain(mail)).strip()
    assert "Maja Lindqvist" in shown and shown.splitlines()[0] == "Hej Sabine!"
