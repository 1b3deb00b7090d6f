"""Orders back into the shop: a replacement becomes exactly one order in Shopify or WooCommerce, its parcel
comes back through the shop's webhooks to the case and the buyer, and hold and cancel act in the shop.

The shop is `FakeShop`, a local HTTP server that answers Shopify's and
WooCommerce's order endpoints as their docs show them, and takes no idempotency
key, as they take none. The worker's task is run as the worker runs it.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia, OutboundCall, OutboundStatus, ShopOrderLink
from cases.outbound import outbound_send
from claims.services import claim_resolve
from integrations.models import ExternalOrder
from integrations.services import integration_configure
from messaging.models import OutboundMessage
from messaging.services.sending import outbox_send
from orders.models import Order
from tests.factories import make_claim, make_order, track

from .conftest import process_all
from .fake_shop import SHOPIFY_TOKEN, WOO_KEY, FakeShop
from .shopify import FULFILMENT, SECRET, order_payload, send

pytestmark = pytest.mark.django_db

# 28.90 of tea towels and 5.90 shipping: small enough for the default matrix to settle alone.
TEA_TOWELS = {
    "sku": "GESCHIRR-3",
    "title": "Geschirrtücher, 3 Stück",
    "unit_price": "28.90",
    "unit_weight_g": 250,
}
SHOPIFY_ID = 820982911946154508
NEW_TRACKING = "00340434161094049999"


@pytest.fixture
def fake():
    server = FakeShop().start()
    yield server
    server.stop()


@pytest.fixture
def shopify(shop, fake):
    return integration_configure(
        shop=shop, source="shopify", secret=SECRET, api_key=SHOPIFY_TOKEN, api_url=fake.url
    )


@pytest.fixture
def woo(shop, fake):
    return integration_configure(
        shop=shop, source="woocommerce", secret="woo-secret", api_key=WOO_KEY, api_url=fake.url
    )


def from_the_shop(shop, integration, external_id, **kwargs):
    order = make_order(shop, lines=[dict(TEA_TOWELS, quantity=1)], **kwargs)
    track(order, "delivered", days_ago=2)
    ExternalOrder.objects.create(integration=integration, external_id=str(external_id), order=order)
    return order


def deliver(*, later: int = 0):
    """What the workers do: send every call that is due `later` seconds from now."""
    now = timezone.now() + timedelta(seconds=later)
    pending = OutboundCall.objects.exclude(status__in=[OutboundStatus.SUCCEEDED, OutboundStatus.FAILED])
    return [outbound_send(call_id=pk, now=now) for pk in pending.values_list("pk", flat=True)]


def shipped_emails(case):
    return list(OutboundMessage.objects.filter(case=case, event="replacement_shipped").order_by("sequence"))


def test_an_auto_applied_replacement_becomes_one_shopify_order_whose_tracking_reaches_the_buyer(
    web, shop, shopify, fake
):
    original = from_the_shop(shop, shopify, SHOPIFY_ID)
    fake.then("500 after")  # Shopify makes the draft, then answers 500: the retry must not make another

    claim = make_claim(original, ClaimType.WRONG_ITEM, opened_via=OpenedVia.PORTAL, decide=True)
    case = claim.case
    case.refresh_from_db()
    assert case.decisions.get().auto_applied and case.status == CaseStatus.RESOLVED
    # Written with the decision, sent by a worker after commit.
    call = OutboundCall.objects.get(case=case, kind="order.create")
    assert (call.provider, call.status) == ("shopify", OutboundStatus.QUEUED) and fake.requests == []

    [first] = deliver()
    assert first.status == OutboundStatus.RETRYING
    deliver(later=3600)
    deliver(later=7200)  # a late duplicate task: nothing more

    [draft] = fake.drafts.values()
    [made] = [order for order in fake.orders.values() if order.get("draft")]
    assert draft["status"] == "completed" and made["financial_status"] == "paid"  # no charge to the buyer
    assert (
        draft["applied_discount"]["value_type"] == "percentage"
        and draft["applied_discount"]["value"] == "100.0"
    )
    assert [(line["sku"], line["quantity"], line["price"]) for line in draft["line_items"]] == [
        ("GESCHIRR-3", 1, "28.90")
    ]
    assert case.reference in draft["note"]
    assert draft["shipping_address"]["zip"] == original.ship_postal_code
    assert fake.writes("complete.json")[0]["query"]["payment_pending"] == ["false"]
    link = ShopOrderLink.objects.get(case=case)
    assert (link.external_id, link.number) == (str(made["id"]), str(made["id"]))
    assert "shop_order_created" in set(case.events.values_list("verb", flat=True))
    # Told at once that a parcel is coming, without a tracking number yet.
    [told] = shipped_emails(case)
    assert told.context.get("not_yet_shipped") is True

    # Shopify fulfils the order: its webhooks bring the order, then the parcel.
    send(
        web,
        shop,
        order_payload(id=made["id"], name=f"#{made['id']}", order_number=made["id"]),
        webhook_id="w1",
    )
    fulfilment = dict(
        FULFILMENT, id=1, order_id=made["id"], tracking_number=NEW_TRACKING, tracking_numbers=[NEW_TRACKING]
    )
    send(web, shop, fulfilment, topic="fulfillments/create", webhook_id="w2")
    send(
        web,
        shop,
        dict(fulfilment, status="success", updated_at="2026-03-03T09:00:00+01:00"),
        topic="fulfillments/update",
        webhook_id="w3",
    )
    assert all(event.status == "processed" for event in process_all())

    link.refresh_from_db()
    assert link.tracking_number == NEW_TRACKING and link.order.number == str(made["id"])
    assert case.resolutions.get().replacement.tracking_number == NEW_TRACKING
    first_mail, with_tracking = shipped_emails(case)  # once, though two webhooks named the parcel
    assert with_tracking.context["replacement_tracking_number"] == NEW_TRACKING
    outbox_send(message_id=with_tracking.pk)
    [sent] = [m for m in mail.outbox if NEW_TRACKING in m.body]
    assert (
        original.buyer.email in sent.to[0] and "Ersatzlieferung geschickt" in sent.body
    )  # in German, her language
    assert "shop_order_shipped" in set(case.events.values_list("verb", flat=True))


def test_a_replacement_the_shop_refuses_goes_back_to_an_agent_with_shopifys_words(owner, shop, shopify, fake):
    original = from_the_shop(shop, shopify, SHOPIFY_ID)
    case = make_claim(original, ClaimType.WRONG_ITEM).case
    fake.then(("422", "Line items must have a price"))
    claim_resolve(case=case, action="reship", actor=owner, reason="Wrong towels")

    [outcome] = deliver()

    assert outcome.status == OutboundStatus.FAILED
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    failed = case.events.get(verb="outbound_failed")
    assert "Line items must have a price" in failed.data["reason"] and "422" in failed.data["reason"]
    assert fake.orders == {}


def test_a_replacement_becomes_one_woocommerce_order_paid_at_no_charge(web, owner, shop, woo, fake):
    original = from_the_shop(shop, woo, 727)
    case = make_claim(original, ClaimType.WRONG_ITEM).case
    fake.then("500 after")
    claim_resolve(case=case, action="reship", actor=owner, reason="Wrong towels")

    deliver()
    deliver(later=3600)

    [made] = fake.woo_orders.values()
    assert (made["status"], made["set_paid"]) == ("processing", True)
    assert {"key": "postsale_case", "value": case.reference} in made["meta_data"]
    assert [(line["name"], line["total"]) for line in made["line_items"]] == [
        ("Geschirrtücher, 3 Stück", "0.00")
    ]
    assert ShopOrderLink.objects.get(case=case).external_id == str(made["id"])


def test_an_order_from_no_shop_system_stays_in_postsale_and_the_case_says_so(owner, shop, fake):
    order = make_order(shop, lines=[dict(TEA_TOWELS, quantity=1)])
    case = make_claim(order, ClaimType.WRONG_ITEM).case

    claim_resolve(case=case, action="reship", actor=owner, reason="Wrong towels")

    assert not OutboundCall.objects.filter(case=case).exists()
    assert case.events.filter(verb="shop_order_not_sent").exists()
    assert fake.requests == []


def cheque_order(web, shop):
    """The original comes from Shopify, paid by a cheque that has not cleared."""
    pending = order_payload(financial_status="pending", gateway="Cheque", payment_gateway_names=["Cheque"])
    send(web, shop, pending, webhook_id="c1")
    process_all()
    return Order.objects.get(shop=shop, number="1001"), pending


def test_a_held_order_is_held_in_shopify_and_released_by_itself_when_the_cheque_clears(
    web, owner, shop, shopify, fake
):
    fake.shopify_order(SHOPIFY_ID)
    order, pending = cheque_order(web, shop)
    case = make_claim(order, ClaimType.PAYMENT_REVIEW).case

    claim_resolve(case=case, action="hold_order", actor=owner, reason="Cheque not cleared")
    deliver()
    [held] = fake.fulfillment_orders.values()
    assert held["status"] == "on_hold"
    assert fake.writes("/hold.json")[0]["body"]["fulfillment_hold"]["reason"] == "awaiting_payment"

    # An update that still says pending releases nothing.
    send(
        web,
        shop,
        dict(pending, updated_at="2026-03-02T11:00:00+01:00"),
        topic="orders/updated",
        webhook_id="c2",
    )
    process_all()
    deliver()
    assert held["status"] == "on_hold"

    cleared = dict(pending, financial_status="paid", updated_at="2026-03-04T09:00:00+01:00")
    send(web, shop, cleared, topic="orders/updated", webhook_id="c3")
    process_all()
    deliver()
    deliver(later=3600)

    assert held["status"] == "open"
    assert len(fake.writes("release_hold.json")) == 1
    order.refresh_from_db()
    assert order.held_at is None
    assert case.events.filter(verb="order_released").exists()


def test_a_cancelled_order_is_cancelled_in_shopify_once(web, owner, shop, shopify, fake):
    fake.shopify_order(SHOPIFY_ID)
    order, _ = cheque_order(web, shop)
    case = make_claim(order, ClaimType.PAYMENT_REVIEW).case
    fake.then("500 after")  # cancelled there, but the answer is lost

    claim_resolve(case=case, action="cancel_order", actor=owner, reason="Cheque bounced")
    deliver()
    [outcome] = deliver(later=3600)

    assert outcome.status == OutboundStatus.SUCCEEDED
    assert fake.orders[SHOPIFY_ID]["cancelled_at"] is not None
    assert len(fake.writes("cancel.json")) == 1


def test_hold_and_cancel_set_the_woocommerce_status(owner, shop, woo, fake):
    fake.woo_order(727, status="processing")
    original = from_the_shop(shop, woo, 727)
    case = make_claim(original, ClaimType.PAYMENT_REVIEW).case

    claim_resolve(case=case, action="hold_order", actor=owner, reason="Cheque not cleared")
    deliver()
    assert fake.woo_orders[727]["status"] == "on-hold"

    claim_resolve(case=case, action="cancel_order", actor=owner, reason="Cheque bounced")
    deliver()
    assert fake.woo_orders[727]["status"] == "cancelled"


def test_an_exchange_becomes_a_woocommerce_order_whose_parcel_the_buyer_hears_of_once(web, shop, woo, fake):
    from returns import services as returns
    from returns.services import InspectLine
    from tests.factories import NAPKINS, make_return, return_line

    from .test_woocommerce import SECRET as WOO_SECRET
    from .test_woocommerce import send as send_woo

    woo.signing_secret = WOO_SECRET
    woo.save()
    original = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(original, "delivered", days_ago=3)
    ExternalOrder.objects.create(integration=woo, external_id="727", order=original)
    request = make_return(
        original, return_line(original, quantity=2, reason="too_small"), resolution="exchange"
    )
    returns.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    returns.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")])

    deliver()

    [made] = fake.woo_orders.values()
    assert [
        (line["name"], line["quantity"], line["subtotal"], line["total"]) for line in made["line_items"]
    ] == [(NAPKINS["title"], 2, "49.80", "0.00")]
    assert made["set_paid"] is True
    link = ShopOrderLink.objects.get(case=request.case)
    assert (link.purpose, link.external_id) == ("exchange", str(made["id"]))

    # WooCommerce ships it: order.updated with the Shipment Tracking meta, twice.
    payload = woo_payload(made, tracking=NEW_TRACKING)
    send_woo(web, shop, payload, topic="order.updated", delivery="d1")
    send_woo(
        web,
        shop,
        dict(payload, date_modified_gmt="2026-03-25T10:00:00"),
        topic="order.updated",
        delivery="d2",
    )
    assert [event.status for event in process_all()] == ["processed", "processed"]

    [told] = OutboundMessage.objects.filter(case=request.case, event="exchange_shipped")
    assert told.context["tracking_number"] == NEW_TRACKING
    assert returns.return_exchanges_announce_shipped() == 0


def test_an_exchange_becomes_a_shopify_order_at_no_charge_whose_parcel_the_buyer_hears_of_once(
    web, shop, shopify, fake
):
    from returns import services as returns
    from returns.services import InspectLine
    from tests.factories import NAPKINS, make_return, return_line

    original = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(original, "delivered", days_ago=3)
    ExternalOrder.objects.create(integration=shopify, external_id=str(SHOPIFY_ID), order=original)
    request = make_return(
        original, return_line(original, quantity=2, reason="too_small"), resolution="exchange"
    )
    returns.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 2})
    returns.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 2, "as_new")])

    deliver()
    deliver(later=3600)  # a late copy of the task: still one order

    [draft] = fake.drafts.values()
    [made] = [order for order in fake.orders.values() if order.get("draft")]
    # Paid by the goods that came back: a 100 % discount, completed without a payment pending.
    assert draft["status"] == "completed" and made["financial_status"] == "paid"
    assert draft["applied_discount"]["value"] == "100.0"
    assert [(line["sku"], line["quantity"]) for line in draft["line_items"]] == [(NAPKINS["sku"], 2)]
    assert request.case.reference in draft["note"]
    assert fake.writes("complete.json")[0]["query"]["payment_pending"] == ["false"]
    link = ShopOrderLink.objects.get(case=request.case)
    assert (link.purpose, link.external_id) == ("exchange", str(made["id"]))

    # Shopify fulfils it: the order, then the parcel, the parcel named twice.
    send(web, shop, order_payload(id=made["id"], name=f"#{made['id']}", order_number=made["id"]), webhook_id="x1")
    fulfilment = dict(
        FULFILMENT, id=7, order_id=made["id"], tracking_number=NEW_TRACKING, tracking_numbers=[NEW_TRACKING]
    )
    send(web, shop, fulfilment, topic="fulfillments/create", webhook_id="x2")
    send(
        web,
        shop,
        dict(fulfilment, status="success", updated_at="2026-03-03T09:00:00+01:00"),
        topic="fulfillments/update",
        webhook_id="x3",
    )
    assert all(event.status == "processed" for event in process_all())

    [told] = OutboundMessage.objects.filter(case=request.case, event="exchange_shipped")
    assert told.context["tracking_number"] == NEW_TRACKING
    outbox_send(message_id=told.pk)
    [sent] = [m for m in mail.outbox if NEW_TRACKING in m.body]
    assert original.buyer.email in sent.to[0]


def woo_payload(made: dict, *, tracking: str) -> dict:
    """The order WooCommerce made, as its `order.updated` webhook sends it once it is shipped."""
    import copy

    from .test_woocommerce import ORDER as WOO_ORDER

    payload = copy.deepcopy(WOO_ORDER)
    payload.update(
        id=made["id"], number=made["number"], status="completed", date_modified_gmt="2026-03-24T09:00:00"
    )
    payload["billing"]["email"] = made["billing"]["email"]
    [tracking_meta] = [
        entry for entry in payload["meta_data"] if entry["key"] == "_wc_shipment_tracking_items"
    ]
    tracking_meta["value"][0]["tracking_number"] = tracking
    return payload


def test_an_agents_try_again_after_a_lost_answer_makes_no_second_shopify_order(
    owner, shop, shopify, fake, settings
):
    from cases.outbound import outbound_retry

    settings.POSTSALE_OUTBOUND_MAX_ATTEMPTS = 1
    original = from_the_shop(shop, shopify, SHOPIFY_ID)
    case = make_claim(original, ClaimType.WRONG_ITEM).case
    fake.then("500 after")
    claim_resolve(case=case, action="reship", actor=owner, reason="Wrong towels")
    [given_up] = deliver()
    assert given_up.status == OutboundStatus.FAILED

    outbound_retry(call=OutboundCall.objects.get(case=case), actor=owner)
    [outcome] = deliver()

    assert outcome.status == OutboundStatus.SUCCEEDED
    assert len(fake.drafts) == 1 and len(fake.writes("draft_orders.json")) == 1
