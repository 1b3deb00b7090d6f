"""A claim's playbook: ticking a step sends the e-mail it names, once; some actions tick their step."""

import pytest
from django.core.files.base import ContentFile

from claims import services
from messaging.models import BuyerEvent, OutboundMessage
from tests.factories import make_claim_cases

pytestmark = pytest.mark.django_db


def test_ticking_the_ask_the_neighbours_step_sends_that_email_once(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    client.force_login(agent)
    acknowledged = OutboundMessage.objects.filter(case=case, event=BuyerEvent.CLAIM_RECEIVED).count()

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})
    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})
    client.post(f"/desk/cases/{case.reference}/step/", {"key": "acknowledge"})

    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS).count() == 1
    # The acknowledgement went out when the claim was opened: ticking its step does not repeat it.
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CLAIM_RECEIVED).count() == max(
        acknowledged, 1
    )


def test_asking_the_buyer_to_check_with_the_neighbours_attaches_the_shipping_label(
    client, agent, shop, carrier, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    shipment = case.claim.shipment
    shipment.label_document.save("00340434161094042557.pdf", ContentFile(b"%PDF-1.4 label"), save=True)
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})

    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS)
    [attachment] = message.attachments.all()
    # Stored under a random name, sent under the parcel's.
    assert attachment.filename == f"label-{shipment.tracking_number}.pdf"
    assert bytes(attachment.content) == b"%PDF-1.4 label"


def test_asking_for_information_ticks_the_playbook_step_it_consists_of(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    services.claim_resolve(case=case, action="request_info", reason="Bitte bei Nachbarn fragen", actor=agent)

    done = set(case.claim.steps_done.values_list("key", flat=True))
    assert "ask_to_check" in done
    assert case.events.filter(verb="playbook_step", new="ask_to_check").exists()
