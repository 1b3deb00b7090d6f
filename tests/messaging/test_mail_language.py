"""Issue 15, problem 6: buyer mail reads as a native support agent of the shop would write it.

"Hallo Ingrid Hofmann!" and "Hej Förnamn Efternamn!" read as machine-made; amounts read
"59.20 EUR" in German mail; "bei einer Annahmestelle von der Versanddienstleister" and
"Wie waren wir?" are not German.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from messaging.models import BuyerEvent
from messaging.rendering import render_event, render_message
from messaging.services.outbox import notify_buyer
from orders.models import GreetingStyle
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db

NBSP = "\xa0"  # Babel keeps amount and currency on one line


def first_line_of_mail(shop, *, email, language, name, **buyer_fields):
    order = make_order(shop, email=email, language=language)
    buyer = order.buyer
    buyer.name = name
    for field, value in buyer_fields.items():
        setattr(buyer, field, value)
    buyer.save()
    with transaction.atomic():
        claim = make_claim(order, "lost_in_transit", opened_via="portal")
        message = notify_buyer(case=claim.case, event=BuyerEvent.CLAIM_RECEIVED, sequence=1)
    rendered = render_message(message)
    assert rendered.text.splitlines()[0] in rendered.html
    return rendered.text.splitlines()[0]


def test_german_formal_shop_greets_ms_hofmann_by_last_name(shop):
    line = first_line_of_mail(
        shop, email="ingrid@example.de", language="de", name="Ingrid Hofmann", salutation="ms"
    )

    assert line == "Guten Tag Frau Hofmann,"


def test_german_formal_shop_without_salutation_uses_the_full_name_not_hallo(shop):
    line = first_line_of_mail(shop, email="ingrid@example.de", language="de", name="Ingrid Hofmann")

    assert line == "Guten Tag Ingrid Hofmann,"


def test_german_informal_shop_greets_by_first_name(shop):
    shop.greeting_style = GreetingStyle.INFORMAL
    shop.save()

    line = first_line_of_mail(shop, email="ingrid@example.de", language="de", name="Ingrid Hofmann")

    assert line == "Hallo Ingrid,"


def test_swedish_buyer_is_greeted_by_first_name(shop):
    line = first_line_of_mail(shop, email="karin@example.se", language="sv", name="Karin Lind")

    assert line == "Hej Karin!"


def test_given_first_name_wins_over_the_first_word(shop):
    line = first_line_of_mail(
        shop,
        email="al@example.se",
        language="sv",
        name="Anna-Lena von der Heide",
        first_name="Anna-Lena",
        last_name="von der Heide",
    )

    assert line == "Hej Anna-Lena!"


def test_english_buyer_is_greeted_by_first_name(shop):
    line = first_line_of_mail(shop, email="jo@example.com", language="en", name="Jo Miller")

    assert line == "Hello Jo,"


def test_a_single_word_name_is_not_guessed_at(shop):
    line = first_line_of_mail(shop, email="x@example.se", language="sv", name="hofmann")

    assert line == "Hej!"


REFUND = {"shop_name": "Leinen & Liebe", "case_reference": "C-1", "refund_method_code": "original_payment"}


@pytest.mark.parametrize(
    ("language", "amount", "currency", "written"),
    [
        ("de", "59.20", "EUR", f"59,20{NBSP}€"),
        ("sv", "236.00", "SEK", f"236,00{NBSP}kr"),
        ("sv", "236.00", "EUR", f"236,00{NBSP}€"),
        ("en", "59.20", "EUR", "€59.20"),
    ],
)
def test_refund_amount_is_money_in_the_buyers_locale(language, amount, currency, written):
    context = {**REFUND, "refund_amount": Decimal(amount), "refund_currency": currency, "currency": currency}

    rendered = render_event(BuyerEvent.REFUND_ISSUED, context, language=language)

    assert written in rendered.subject
    assert written in rendered.text
    assert written.replace(NBSP, "&nbsp;") in rendered.html
    assert f"{amount} {currency}" not in rendered.text


def test_amount_stored_as_json_string_is_money_too():
    context = {**REFUND, "amount": "1234.5", "currency": "EUR", "items": [], "all_accepted": True}

    rendered = render_event(BuyerEvent.INSPECTION_RESULT, context, language="de")

    assert f"1.234,50{NBSP}€" in rendered.text


def test_return_label_without_a_carrier_name_is_grammatical_german():
    context = {**REFUND, "label_kind": "carrier", "carrier_name": ""}

    rendered = render_event(BuyerEvent.RETURN_LABEL, context, language="de")

    assert "von der Versanddienstleister" not in rendered.text
    assert "der Versanddienstleister ab" not in rendered.text


def test_return_label_with_the_carrier_named_says_its_name():
    context = {**REFUND, "label_kind": "carrier", "carrier_name": "DHL"}

    rendered = render_event(BuyerEvent.RETURN_LABEL, context, language="de")

    assert "Annahmestelle von DHL" in rendered.text


def test_feedback_request_is_no_calque():
    rendered = render_event(BuyerEvent.FEEDBACK_REQUEST, {**REFUND, "feedback_links": []}, language="de")

    assert "Wie waren wir" not in rendered.subject
