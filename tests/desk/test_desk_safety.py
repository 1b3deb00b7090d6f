"""The queue's quick actions: what an agent sees after a click, and what a click must not do."""

import pytest

from cases.models import CaseStatus
from messaging.models import BuyerEvent, OutboundMessage

from .test_desk_pages import _napkins_sent_back, open_claims

pytestmark = pytest.mark.django_db


def test_assign_to_me_in_the_queue_shows_the_agent_at_once(client, agent, shop, carrier):
    [case] = open_claims(shop, 1)
    client.force_login(agent)

    response = client.post(
        f"/desk/cases/{case.reference}/assign-me/", {"from": "queue"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "agent" in response.content.decode()
    assert "assign-me" not in response.content.decode()


def test_bulk_actions_never_send_the_agent_to_another_site(client, agent, shop, carrier):
    [case] = open_claims(shop, 1)
    client.force_login(agent)

    response = client.post(
        "/desk/bulk/", {"bulk": "assign_me", "case": [case.reference], "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_a_case_whose_return_is_on_its_way_is_not_closed_in_bulk(client, agent, shop, carrier):
    request = _napkins_sent_back(shop)  # label issued: the parcel is coming back
    client.force_login(agent)

    response = client.post("/desk/bulk/", {"bulk": "close", "case": [request.case.reference]}, follow=True)

    request.case.refresh_from_db()
    assert request.case.status != CaseStatus.CLOSED
    assert request.rma in response.content.decode()
    assert not OutboundMessage.objects.filter(case=request.case, event=BuyerEvent.FEEDBACK_REQUEST).exists()


def test_closing_a_case_nobody_resolved_asks_the_buyer_nothing(client, agent, shop, carrier):
    [case] = open_claims(shop, 1)
    client.force_login(agent)

    client.post("/desk/bulk/", {"bulk": "close", "case": [case.reference]})

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert not OutboundMessage.objects.filter(case=case, event=BuyerEvent.FEEDBACK_REQUEST).exists()


@pytest.mark.parametrize(
    "opened_via, asked",
    [("portal", True), ("email", True), ("agent", True), ("api", False), ("automatic", False)],
)
def test_only_buyers_who_were_in_touch_are_asked_how_it_went(shop, carrier, agent, opened_via, asked):
    from cases.services import case_move
    from claims import services as claims
    from tests.factories import make_order, track

    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    case = claims.claim_open(order=order, type="damaged", opened_via=opened_via, decide=False).case
    claims.claim_resolve(case=case, action="deny", reason="Die Ware war unbeschädigt.", actor=agent)

    case_move(case=case, to=CaseStatus.CLOSED, actor=agent)

    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.FEEDBACK_REQUEST).exists() is asked


def test_an_impossible_refund_is_refused_before_any_owner_is_asked(shop, carrier, agent):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from cases.models import RefundLimit
    from claims import services as claims
    from tests.factories import make_order, track

    RefundLimit.objects.create(user=agent, amount=Decimal("20"))
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    case = claims.claim_open(order=order, type="damaged", opened_via="portal", decide=False).case

    with pytest.raises(ValidationError) as refused:
        claims.claim_resolve(case=case, action="partial_refund", amount=Decimal("99999"), actor=agent)

    assert "amount" in refused.value.message_dict
    case.refresh_from_db()
    assert case.status != CaseStatus.ESCALATED
    assert not case.events.filter(verb="refund_needs_approval").exists()


def test_ticking_the_ask_the_neighbours_step_sends_that_email_once(client, agent, shop, carrier):
    [case] = open_claims(shop, 1, claim_type="delivered_not_received")
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
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    [case] = open_claims(shop, 1, claim_type="delivered_not_received")
    shipment = case.claim.shipment
    shipment.label_document.save("00340434161094042557.pdf", ContentFile(b"%PDF-1.4 label"), save=True)
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})

    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS)
    [attachment] = message.attachments.all()
    assert attachment.filename == "00340434161094042557.pdf"
    assert bytes(attachment.content) == b"%PDF-1.4 label"


def test_asking_for_information_ticks_the_playbook_step_it_consists_of(client, agent, shop, carrier):
    from claims import services as claims

    [case] = open_claims(shop, 1, claim_type="delivered_not_received")
    claims.claim_resolve(case=case, action="request_info", reason="Bitte bei Nachbarn fragen", actor=agent)

    done = set(case.claim.steps_done.values_list("key", flat=True))
    assert "ask_to_check" in done
    assert case.events.filter(verb="playbook_step", new="ask_to_check").exists()
