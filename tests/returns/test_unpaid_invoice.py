"""Issue 15, problem 2: a return or refund on an order the buyer has not paid yet.

A 139 EUR tablecloth bought on invoice and sent back: nothing was paid, so nothing is refunded.
The buyer reads that their invoice is cancelled (never "refund of 0"), the portal says so, the
case tells the agent to change the invoice in the shop, and the dashboard counts no money.
"""

import csv
import io
from decimal import Decimal

import pytest

from cases.choices import ClaimType
from cases.models import InvoiceReduction, Refund
from claims import services as claims
from messaging.models import BuyerEvent, OutboundMessage
from messaging.rendering import render_message
from returns.models import ReturnStatus
from tests.factories import accept_return, make_claim, make_order, make_return, return_line, track
from tests.portal.conftest import lookup

pytestmark = pytest.mark.django_db

TABLECLOTH = {
    "sku": "TD-LEINEN-160",
    "title": "Leinentischdecke 160x250",
    "unit_price": "139.00",
    "unit_weight_g": 1300,
}
ON_INVOICE = {"method": "invoice", "status": "pending", "amount": "139.00", "reference": "RE-2041"}


@pytest.fixture
def returned_on_invoice(shop, carrier):
    """The tablecloth, bought on an invoice not paid yet, sent back and accepted as new."""
    order = make_order(
        shop,
        email="ingrid.hofmann@example.com",
        language="en",
        lines=[dict(TABLECLOTH, quantity=1)],
        shipping_total="0",
        payment=ON_INVOICE,
    )
    track(order, "delivered", days_ago=3)
    request = make_return(order, return_line(order, sku=TABLECLOTH["sku"]))
    accept_return(request)
    request.refresh_from_db()
    return request


def _mail(case, event) -> str:
    message = OutboundMessage.objects.filter(case=case, event=event).latest("pk")
    rendered = render_message(message)
    return rendered.subject + "\n" + rendered.text + "\n" + rendered.html


def test_a_returned_unpaid_invoice_is_cancelled_and_the_buyer_is_told_so_not_refunded_zero(
    returned_on_invoice,
):
    case = returned_on_invoice.case

    mail = _mail(case, BuyerEvent.INSPECTION_RESULT)

    assert not Refund.objects.filter(case=case).exists()
    reduction = InvoiceReduction.objects.get(case=case)
    assert (reduction.amount, reduction.left_to_pay) == (Decimal("139.00"), Decimal("0.00"))
    assert "we have cancelled it" in mail and returned_on_invoice.order.number in mail
    assert "Amount to be refunded" not in mail and "0.00 EUR" not in mail
    assert "starting your refund" not in mail


def test_the_portal_says_the_invoice_is_cancelled_not_refunded(client, returned_on_invoice):
    order = returned_on_invoice.order
    lookup(client, order, order.number, order.buyer.email)

    page = client.get(f"/portal/{order.shop.slug}/order/{order.number}/?lang=en").content.decode()

    assert "Invoice cancelled" in page
    assert "Your invoice is cancelled: you do not need to pay it." in page
    assert returned_on_invoice.status == ReturnStatus.REFUNDED  # as the machine has it; the buyer reads:
    assert "Refunded" not in page.split('id="cases"')[1].split("</section>")[0]


def test_the_case_tells_the_agent_to_cancel_the_invoice_in_the_shop_until_done(
    client, agent, returned_on_invoice
):
    case = returned_on_invoice.case
    client.force_login(agent)

    before = client.get(f"/desk/cases/{case.reference}/").content.decode()
    reduction = InvoiceReduction.objects.get(case=case)
    client.post(f"/desk/cases/{case.reference}/invoice-reductions/{reduction.pk}/done/")
    again = client.post(f"/desk/cases/{case.reference}/invoice-reductions/{reduction.pk}/done/", follow=True)

    assert "Cancel its invoice in the shop (139.00 EUR)" in before and "Done in the shop" in before
    reduction.refresh_from_db()
    assert reduction.done_in_shop_at is not None and reduction.done_by == agent
    assert "already marked as changed in the shop" in again.content.decode()
    assert case.events.filter(verb="invoice_reduced").exists()
    assert case.events.filter(verb="invoice_changed_in_shop").count() == 1


def test_the_dashboard_counts_no_money_for_a_cancelled_invoice(client, owner, returned_on_invoice):
    client.force_login(owner)

    returns_cost = list(
        csv.reader(io.StringIO(client.get("/desk/dashboard/returns_cost.csv").content.decode()))
    )
    money = list(csv.reader(io.StringIO(client.get("/desk/dashboard/money.csv").content.decode())))

    assert not any(TABLECLOTH["sku"] in row for row in returns_cost)
    assert not any("139.00" in row for row in money)


def test_a_refund_on_an_unpaid_invoice_reduces_it_and_tells_the_buyer_what_is_left(shop, carrier):
    order = make_order(
        shop,
        email="ingrid.hofmann@example.com",
        language="en",
        lines=[dict(TABLECLOTH, quantity=1)],
        shipping_total="0",
        payment=ON_INVOICE,
    )
    track(order, "delivered", days_ago=1)
    case = make_claim(order, ClaimType.DAMAGED).case

    claims.claim_resolve(case=case, action="partial_refund", amount=Decimal("40.00"), reason="Fleck")

    assert not Refund.objects.filter(case=case).exists()
    reduction = InvoiceReduction.objects.get(case=case)
    assert (reduction.amount, reduction.left_to_pay) == (Decimal("40.00"), Decimal("99.00"))
    mail = _mail(case, BuyerEvent.REFUND_ISSUED)
    assert f"Your invoice for order {order.number} is reduced" in mail
    assert "by €40.00: please pay only €99.00" in mail
    assert "We have refunded" not in mail and "Fleck" not in mail


def test_the_refund_message_offered_for_an_unpaid_order_speaks_of_the_invoice(client, agent, shop, carrier):
    order = make_order(
        shop,
        email="ingrid.hofmann@example.com",
        language="en",
        lines=[dict(TABLECLOTH, quantity=1)],
        shipping_total="0",
        payment=ON_INVOICE,
    )
    case = make_claim(order, ClaimType.DAMAGED).case
    client.force_login(agent)

    offered = client.get(f"/desk/cases/{case.reference}/act/message/", {"action": "refund"}).content.decode()

    assert "If you have a question about your invoice, just reply to this e-mail." in offered
    assert "If the money has not arrived" not in offered


def test_a_return_on_the_way_back_for_an_unpaid_order_promises_an_invoice_reduction_not_money(
    client, shop, carrier
):
    order = make_order(
        shop,
        email="ingrid.hofmann@example.com",
        language="en",
        lines=[dict(TABLECLOTH, quantity=1)],
        shipping_total="0",
        payment=ON_INVOICE,
    )
    track(order, "delivered", days_ago=3)
    make_return(order, return_line(order, sku=TABLECLOTH["sku"]))
    lookup(client, order, order.number, order.buyer.email)

    page = client.get(f"/portal/{order.shop.slug}/order/{order.number}/?lang=en").content.decode()

    assert "we reduce your invoice by what you sent back" in page
    assert "We refund you within" not in page
