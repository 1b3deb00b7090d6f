"""Opening a claim: the evidence it gathers and the recommendation that may apply itself."""

from decimal import Decimal

import pytest

from cases.models import CaseStatus
from orders.services import buyer_set_risk
from tests.factories import NAPKINS, make_order, track

pytestmark = pytest.mark.django_db


def open_claim(api, order, claim_type, lines=(), statement=""):
    response = api.post(
        "/api/v1/claims/",
        {
            "order": {"shop": order.shop.slug, "number": order.number},
            "type": claim_type,
            "lines": list(lines),
            "statement": statement,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_napkins_weight_matches_the_full_order_so_reship_is_goodwill_not_automatic(
    shop, carrier, agent_api, agent
):
    # Four dozen napkins at 1.2 lb (545 g) a dozen; the parcel weighed over 5 lb.
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2400)
    track(order, "delivered", days_ago=1)

    body = open_claim(
        agent_api,
        order,
        "missing_items",
        lines=[{"sku": NAPKINS["sku"], "quantity": 1}],
        statement="Ich habe nur drei Dutzend Servietten erhalten.",
    )

    evidence = body["evidence"]
    assert evidence["expected_g"] == 4 * 545 + shop.packaging_allowance_g
    assert evidence["measured_g"] == 2400
    assert evidence["claimed_missing_g"] == 545
    assert evidence["weight_verdict"] == "matches_complete_order"
    assert body["decision"]["action"] == "reship"
    assert body["decision"]["auto_applied"] is False
    assert "Paketgewicht entspricht der vollständigen Bestellung" in body["decision"]["reason"]  # in German

    # The shop sent a dozen anyway and marked the buyer "fragwürdig".
    reference = body["reference"]
    response = agent_api.post(
        f"/api/v1/cases/{reference}/resolve/", {"action": "reship", "reason": "Kulanz"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CaseStatus.RESOLVED
    assert Decimal(response.json()["cost_total"]) == Decimal("24.90") + order.shipping_total
    buyer_set_risk(buyer=order.buyer, flag="questionable", reason="fragwürdig: Paket wog 2,4 kg", by=agent)

    # Her next claim is seen in that light.
    second = make_order(
        shop, email=order.buyer.email, lines=[dict(NAPKINS, quantity=2)], packed_weight_g=1400
    )
    body = open_claim(agent_api, second, "missing_items", lines=[{"sku": NAPKINS["sku"], "quantity": 1}])
    assert body["evidence"]["buyer_risk_flag"] == "questionable"
    assert body["evidence"]["buyer_claims_last_365_days"] == 1
    assert body["decision"]["action"] == "request_info"


def test_napkins_lighter_parcel_means_we_packed_too_few_and_reship_applies_itself(shop, carrier, agent_api):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=1900)
    body = open_claim(agent_api, order, "missing_items", lines=[{"sku": NAPKINS["sku"], "quantity": 1}])
    assert body["evidence"]["weight_verdict"] == "matches_claim"
    assert body["decision"] == {**body["decision"], "action": "reship", "auto_applied": True}
    assert body["status"] == CaseStatus.RESOLVED


def test_small_delivered_not_received_order_is_reshipped_on_trust(shop, carrier, agent_api):
    # Under 50, polite buyer, marked delivered: they sent another parcel.
    order = make_order(shop, lines=[dict(NAPKINS, quantity=1)], total="30.80")
    track(order, "delivered", days_ago=30, location="Haustür")

    body = open_claim(agent_api, order, "delivered_not_received", statement="Das Paket ist nie angekommen.")

    assert body["evidence"]["delivery_confirmed"] is True
    assert body["decision"]["action"] == "reship"
    assert body["decision"]["auto_applied"] is True


def test_large_delivered_not_received_order_with_signature_is_declined_with_proof(shop, carrier, agent_api):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=12, unit_price="24.90")], signature_required=True)
    track(order, "delivered", days_ago=3, signed_by="M. Berg")

    body = open_claim(agent_api, order, "delivered_not_received")

    assert body["evidence"]["signature"] is True
    assert body["decision"]["action"] == "deny"
    assert body["status"] == CaseStatus.NEW


def test_personalisation_error_shows_the_entry_and_remakes_at_cost(shop, carrier, agent_api):
    # The middle letter of a monogram is the surname; the buyer typed her initials in order.
    order = make_order(
        shop,
        lines=[
            {
                "sku": "TASCH-MONO",
                "title": "Taschentuch mit Monogramm",
                "unit_price": "9.90",
                "quantity": 10,
                "unit_weight_g": 25,
                "personalisation": [{"label": "Monogramm (Vorname Nachname Mittelname)", "value": "A M K"}],
            }
        ],
    )
    body = open_claim(agent_api, order, "personalisation_error", statement="Die Buchstaben sind vertauscht!")
    assert body["decision"]["action"] == "remake"

    detail = agent_api.get(f"/api/v1/cases/{body['reference']}/").json()
    assert detail["claim"]["evidence"]["personalisation"][0]["fields"] == [
        {"label": "Monogramm (Vorname Nachname Mittelname)", "value": "A M K"}
    ]

    response = agent_api.post(
        f"/api/v1/cases/{body['reference']}/resolve/",
        {"action": "remake", "goodwill": False, "reason": "Eingabe der Kundin"},
        format="json",
    )
    assert response.status_code == 200
    # At cost: the buyer pays the goods, the shop carries the shipping.
    assert Decimal(response.json()["cost_total"]) == order.shipping_total
