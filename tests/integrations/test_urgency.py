"""Urgency from the shop systems: the buyer's date and a paid-for express shipping, read from Shopify and WooCommerce."""

import copy
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cases.models import CaseEvent, OpenedVia
from cases.needed_by import order_needed_by_set
from cases.verbs import Reason, because
from claims.services import claim_open
from integrations.models import InboundEvent, InboundStatus
from integrations.providers import urgency
from integrations.services import inbound_event_process
from orders.models import Order

from . import shopify as shopify_hooks
from . import test_woocommerce as woo_hooks

pytestmark = pytest.mark.django_db

GERMAN_MONTHS = [
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
]  # fmt: skip
SWEDISH_MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def shopify_order(number: int, **changes):
    """Shopify's reference order, placed an hour ago, with `changes` on top."""
    placed = (timezone.now() - timedelta(hours=1)).isoformat()
    payload = shopify_hooks.order_payload(
        id=820982911946154508 + number,
        name=f"#{number}",
        order_number=number,
        created_at=placed,
        processed_at=placed,
        updated_at=placed,
    )
    payload.update(changes)
    return payload


def woo_order(number: int, **changes):
    placed = (timezone.now() - timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None)
    payload = copy.deepcopy(woo_hooks.ORDER)
    payload.update(
        id=number,
        number=str(number),
        date_created_gmt=placed.isoformat(timespec="seconds"),
        date_modified_gmt=placed.isoformat(timespec="seconds"),
        # One parcel per tracking number: the reference order's would be on every order here.
        meta_data=[entry for entry in payload["meta_data"] if entry["key"] != "_wc_shipment_tracking_items"],
    )
    payload.update(changes)
    return payload


@pytest.fixture
def shopify(connect):
    return connect("shopify", shopify_hooks.SECRET)


@pytest.fixture
def woo(connect, swedish_shop):
    return connect("woocommerce", woo_hooks.SECRET, target_shop=swedish_shop)


def process_new():
    """What the worker does with the deliveries not yet processed."""
    for pk in InboundEvent.objects.filter(status=InboundStatus.RECEIVED).values_list("pk", flat=True):
        event = inbound_event_process(event_id=pk)
        assert event.status == InboundStatus.PROCESSED, event.error


def apply_shopify(web, shop, payload, topic="orders/create"):
    shopify_hooks.send(web, shop, payload, topic=topic)
    process_new()
    return Order.objects.get(shop=shop, number=payload["name"].lstrip("#"))


def apply_woo(web, shop, payload):
    woo_hooks.send(web, shop, payload)
    process_new()
    return Order.objects.get(shop=shop, number=payload["number"])


# --- Shopify -----------------------------------------------------------------------------


def test_shopify_delivery_date_attribute_sets_needed_by_and_the_case_opened_for_it_is_urgent(
    web, shop, shopify
):
    wedding = in_days(3)
    dated = apply_shopify(
        web,
        shop,
        shopify_order(
            2001, note_attributes=[{"name": "Liefertermin", "value": wedding.strftime("%d.%m.%Y")}]
        ),
    )
    undated = apply_shopify(web, shop, shopify_order(2002))

    dated_case = claim_open(order=dated, type="damaged", opened_via=OpenedVia.PORTAL, decide=False).case
    undated_case = claim_open(order=undated, type="damaged", opened_via=OpenedVia.PORTAL, decide=False).case

    assert dated.needed_by == wedding
    assert undated.needed_by is None
    assert dated_case.needed_by == wedding
    # The same order and problem, three days before the wedding: to the top of the queue.
    assert dated_case.priority >= undated_case.priority + 30


@pytest.mark.parametrize(
    "note",
    [
        lambda d: f"Bitte bis spätestens {d:%d.%m.%Y} liefern, wir heiraten!",
        lambda d: f"Needed for our wedding on {d:%Y-%m-%d}, thanks",
        lambda d: f"Hochzeit am {d.day}. {GERMAN_MONTHS[d.month - 1]} {d.year}",
        lambda d: f"Vi behöver det senast {d.day} {SWEDISH_MONTHS[d.month - 1]} {d.year}, bröllop",
    ],
    ids=["dotted", "iso", "german-month", "swedish-month"],
)
def test_shopify_date_written_in_the_order_note_sets_needed_by(web, shop, shopify, note):
    wedding = in_days(20)

    order = apply_shopify(web, shop, shopify_order(2003, note=note(wedding)))

    assert order.needed_by == wedding


def test_shopify_date_in_a_line_item_property_sets_needed_by(web, shop, shopify):
    payload = shopify_order(2004)
    payload["line_items"][0]["properties"].append(
        {"name": "Delivery Date", "value": f"{in_days(9):%Y/%m/%d}"}
    )

    order = apply_shopify(web, shop, payload)

    assert order.needed_by == in_days(9)
    # The date is not the buyer's personalisation.
    assert order.lines.get().personalisation == [{"label": "Monogramm", "value": "A.M.K "}]


def test_shopify_dates_before_the_order_or_over_a_year_ahead_are_not_a_needed_by_date(web, shop, shopify):
    note = f"Bestellt am {in_days(-1):%d.%m.%Y}, Lieferung bitte {in_days(400):%d.%m.%Y}"

    order = apply_shopify(web, shop, shopify_order(2005, note=note))

    assert order.needed_by is None


@pytest.mark.parametrize(
    ("title", "code", "speed"),
    [
        ("Expressversand", "dhl-express", "express"),
        ("Expressleverans", "postnord", "express"),
        ("UPS Overnight", "ups", "next_day"),
        ("DHL Paket", "dhl", "standard"),
    ],
)
def test_shopify_shipping_line_says_whether_the_order_is_a_rush(web, shop, shopify, title, code, speed):
    order = apply_shopify(
        web, shop, shopify_order(2006, shipping_lines=[{"title": title, "code": code, "price": "12.90"}])
    )

    assert order.shipping_speed == speed
    assert order.is_rush is (speed != "standard")


def test_a_later_copy_of_the_order_does_not_undo_the_date_the_buyer_corrected(web, shop, shopify):
    payload = shopify_order(
        2007, note_attributes=[{"name": "Delivery-Date", "value": f"{in_days(20):%Y/%m/%d}"}]
    )
    order = apply_shopify(web, shop, payload)
    order_needed_by_set(order=order, needed_by=in_days(10), reason=because(Reason.BUYER_GAVE_DATE))

    later = dict(payload, updated_at=timezone.now().isoformat(), financial_status="paid")
    order = apply_shopify(web, shop, later, topic="orders/updated")

    assert order.needed_by == in_days(10)


def test_a_date_added_to_the_order_later_reaches_its_open_case_with_a_timeline_entry(web, shop, shopify):
    payload = shopify_order(2008)
    order = apply_shopify(web, shop, payload)
    case = claim_open(order=order, type="lost_in_transit", opened_via=OpenedVia.PORTAL, decide=False).case
    before = case.priority

    # The merchant copies the date the buyer phoned in into the order's attributes.
    later = dict(
        payload,
        updated_at=timezone.now().isoformat(),
        note_attributes=[{"name": "Wunschtermin", "value": f"{in_days(2):%d.%m.%Y}"}],
    )
    apply_shopify(web, shop, later, topic="orders/updated")

    case.refresh_from_db()
    assert case.needed_by == in_days(2)
    assert case.priority > before
    event = CaseEvent.objects.get(case=case, verb="needed_by_changed")
    assert (event.old, event.new, event.data["reason_code"]) == (
        "",
        in_days(2).isoformat(),
        "shop_order_date",
    )


# --- WooCommerce -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "meta",
    [
        # Iconic Delivery Slots
        lambda d: [{"key": "jckwds_date", "value": "irrelevant"}, {"key": "jckwds_date_ymd", "value": f"{d:%Y%m%d}"}],
        # Order Delivery Date (Tyche): midnight UTC of the day
        lambda d: [{"key": "_orddd_timestamp", "value": str(int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()))}],
        # YITH Delivery Date
        lambda d: [{"key": "ywcdd_order_delivery_date", "value": f"{d:%Y-%m-%d}"}],
        # A checkout field the shop named itself
        lambda d: [{"key": "Önskat leveransdatum", "value": f"{d.day} {SWEDISH_MONTHS[d.month - 1]} {d.year}"}],
    ],
    ids=["iconic", "orddd", "yith", "own-field"],
)  # fmt: skip
def test_woocommerce_delivery_date_plugin_meta_sets_needed_by(web, swedish_shop, woo, meta):
    wedding = in_days(12)
    payload = woo_order(801)
    payload["meta_data"] = payload["meta_data"] + meta(wedding)

    order = apply_woo(web, swedish_shop, payload)

    assert order.needed_by == wedding


def test_woocommerce_customer_note_date_sets_needed_by(web, swedish_shop, woo):
    wedding = in_days(15)
    note = f"Till bröllopet {wedding:%Y-%m-%d}, tack!"

    order = apply_woo(web, swedish_shop, woo_order(802, customer_note=note))

    assert order.needed_by == wedding


def test_woocommerce_express_shipping_line_is_a_rush(web, swedish_shop, woo):
    lines = [{"id": 9, "method_title": "Expressleverans", "method_id": "flat_rate", "total": "149.00"}]

    rush = apply_woo(web, swedish_shop, woo_order(803, shipping_lines=lines))
    plain = apply_woo(
        web,
        swedish_shop,
        woo_order(
            804, shipping_lines=[{"id": 10, "method_title": "PostNord Ombud", "method_id": "flat_rate"}]
        ),
    )

    assert (rush.shipping_speed, plain.shipping_speed) == ("express", "standard")


# --- the reading itself ------------------------------------------------------------------


def test_only_the_start_of_a_long_note_is_read_and_quickly():
    placed_on = timezone.localdate()
    hostile = "1. " * 300_000 + f"{in_days(5):%d.%m.%Y}"

    started = time.monotonic()
    found = urgency.date_in_text(hostile, placed_on=placed_on)

    assert found is None
    assert time.monotonic() - started < 0.5
