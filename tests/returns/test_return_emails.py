"""What the buyer reads about their return, rendered as the worker renders it."""

from decimal import Decimal

import pytest

from claims.services import claim_resolve
from messaging.models import OutboundMessage
from messaging.rendering import render_message
from returns import services
from returns.models import ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, TABLECLOTH, make_claim, make_return, return_line

pytestmark = pytest.mark.django_db


def text_of(request, event) -> str:
    message = OutboundMessage.objects.filter(case=request.case, event=event).latest("id")
    return render_message(message).text


def test_the_inspection_email_lists_each_item_and_the_amount(delivered_order):
    request = make_return(
        delivered_order,
        return_line(delivered_order, quantity=2),
        return_line(delivered_order, sku=TABLECLOTH["sku"]),
    )
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2, TABLECLOTH["sku"]: 1})
    services.return_inspect(
        rma=request.rma,
        lines=[
            InspectLine(NAPKINS["sku"], 1, "opened", notes="Eine Serviette hat einen Rotweinfleck."),
            InspectLine(TABLECLOTH["sku"], 1, "as_new"),
        ],
    )

    text = text_of(request, "inspection_result")
    assert "Leinenservietten" in text and "1 von 2 angenommen" in text
    assert "Rotweinfleck" in text
    assert "Tischdecke Leinen 160 cm: angenommen" in text
    request.refresh_from_db()
    assert f"{request.refund.amount} EUR" in text


def test_an_exchange_is_announced_as_an_exchange_not_a_refund(delivered_order):
    request = make_return(delivered_order, return_line(delivered_order, quantity=2), resolution="exchange")
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")])

    text = text_of(request, "inspection_result")
    assert "Umtausch" in text
    assert "Erstattung" not in text


def test_a_buyer_who_keeps_the_goods_is_not_told_to_send_a_parcel(delivered_order):
    policy = services.policy_for(delivered_order.shop)
    policy.keep_item_below = Decimal("30.00")
    policy.save()

    request = make_return(delivered_order)

    text = text_of(request, "return_requested")
    assert "behalten" in text
    assert "Rücksendeetikett" not in text and "Einlieferungsbeleg" not in text


def test_the_label_email_gives_the_deadline_and_not_the_outbound_carrier(delivered_order):
    request = make_return(delivered_order)

    text = text_of(request, "return_label")
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert f"{request.expires_at.day}." in text
    assert "DHL" not in text


def test_goods_sent_back_after_a_claim_refunded_them_are_accepted_without_a_second_refund(
    delivered_order, agent
):
    claim = make_claim(delivered_order, opened_via="portal")
    paid = delivered_order.payments.get().amount
    claim_resolve(case=claim.case, action="refund", amount=paid, actor=None, reason="Kulanz")
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")], actor=agent)

    request.refresh_from_db()
    assert request.status in (ReturnStatus.REFUNDED, ReturnStatus.PARTLY_REFUNDED)
    assert request.refund is None
    assert request.case.events.filter(verb="return_refund_capped").exists()
