"""The agent's own settings."""

import pytest
from django.core import mail as mail_outbox

from cases.choices import ClaimType
from messaging.models import AgentSignature, OutboundMessage
from messaging.services.sending import outbox_send
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


def test_desk_speaks_the_language_the_agent_chose(client, agent):
    client.force_login(agent)
    client.post("/desk/me/", {"language": "sv"})
    assert "Kö" in client.get("/desk/").content.decode()


# --- issue 15, problem 4: buyers read the agent's name for the shop, never the login name -------


def test_agent_sets_the_name_and_signature_buyers_read_and_the_reply_is_signed_with_them(
    client, agent, shop, carrier, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    case = make_claim(make_order(shop, email="ingrid.hofmann@example.de"), ClaimType.DAMAGED).case
    client.force_login(agent)

    saved = client.post(
        "/desk/me/signature/",
        {"shop": shop.pk, "language": "", "display_name": "Jana", "signature": "Kundenservice Leinen & Liebe"},
    )
    client.post(f"/desk/cases/{case.reference}/reply/", {"body": "Wir schicken Ersatz."})
    reply = OutboundMessage.objects.get(case=case, event="agent_reply")
    outbox_send(message_id=reply.pk)

    assert saved.status_code == 302
    [mail] = mail_outbox.outbox
    signoff = mail.body.split("\n--\n")[0]
    assert "Jana\nKundenservice Leinen & Liebe\nLeinen & Liebe" in signoff
    assert "\nagent\n" not in signoff


def test_an_agent_cannot_sign_for_a_shop_they_do_not_work_for(client, swedish_agent, shop):
    client.force_login(swedish_agent)

    response = client.post("/desk/me/signature/", {"shop": shop.pk, "display_name": "Sofia"})

    assert response.status_code == 400
    assert not AgentSignature.objects.exists()


def test_the_login_name_is_refused_as_the_name_buyers_read(client, agent, shop):
    client.force_login(agent)

    response = client.post("/desk/me/signature/", {"shop": shop.pk, "display_name": "agent"})

    assert response.status_code == 400
    assert "not your login name" in response.content.decode()
    assert not AgentSignature.objects.exists()
