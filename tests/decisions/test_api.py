"""POST /api/v1/decisions/evaluate/: what the shop's matrix recommends for a set of facts, for agents only."""

import pytest
from rest_framework.test import APIClient

from decisions import services

# Rule reasons are stored in the shop's language; these tests read the English ones.
pytestmark = pytest.mark.usefixtures("english_shop")

URL = "/api/v1/decisions/evaluate/"


def test_evaluate_answers_with_the_decision_and_its_reason(shop, agent_api):
    response = agent_api.post(
        URL,
        {
            "shop": "leinen",
            "claim_type": "lost_in_transit",
            "order_value": "37.50",
            "buyer_risk": "normal",
            "delivery_confirmed": False,
            "signature": False,
            "weight_consistent": None,
            "days_until_needed": 6,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["action"] == "reship_with_return_label"
    assert body["auto_apply"] is True
    assert body["matrix_version"] == 1
    assert body["rule"] == body["rule_position"] and isinstance(body["rule_id"], int)
    assert "return label" in body["reason"]
    assert set(body) == {
        "action",
        "rule",
        "rule_position",
        "rule_id",
        "reason",
        "refund_percent",
        "auto_apply",
        "matrix_version",
    }


def test_evaluate_defaults_the_facts_not_given(shop, agent_api):
    response = agent_api.post(
        URL, {"shop": "leinen", "claim_type": "damaged", "order_value": "20"}, format="json"
    )

    assert response.json()["action"] == "refund"
    assert response.json()["refund_percent"] == 100


def test_evaluate_names_every_bad_field(shop, agent_api):
    response = agent_api.post(
        URL,
        {"shop": "nowhere", "claim_type": "stolen", "order_value": "-1", "buyer_risk": "vip"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"shop", "claim_type", "order_value", "buyer_risk"}
    assert response.json()["shop"] == ["Unknown shop 'nowhere'."]


def test_evaluate_needs_permission_to_view_the_matrix(shop, api):
    # The shop-system user pushes orders; it does not read the matrix.
    assert api.post(URL, {"shop": "leinen", "claim_type": "damaged", "order_value": "20"}).status_code == 403


def test_evaluate_needs_a_login(shop):
    response = APIClient().post(URL, {"shop": "leinen", "claim_type": "damaged", "order_value": "20"})

    assert response.status_code in (401, 403)


def test_another_shops_matrix_is_refused_like_an_unknown_shop(shop, swedish_agent_api):
    response = swedish_agent_api.post(
        URL, {"shop": "leinen", "claim_type": "lost_in_transit", "order_value": "37.50"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"shop": ["Unknown shop 'leinen'."]}


def test_evaluate_takes_the_orders_and_the_buyers_history(shop, agent_api):
    services.matrix_import(
        shop=shop,
        data={
            "shop": "leinen",
            "currency": "EUR",
            "auto_apply_limit": "0",
            "rules": [
                {"action": "escalate", "min_prior_resolutions": 1, "reason": "Settled before"},
                {"action": "request_info", "min_claims_last_365_days": 2, "reason": "Claims often"},
                {"action": "reship", "reason": "Send again"},
            ],
        },
        activate=True,
    )
    facts = {"shop": "leinen", "claim_type": "wrong_item", "order_value": "20"}

    actions = [
        agent_api.post(URL, {**facts, **history}, format="json").json()["action"]
        for history in ({}, {"claims_last_365_days": 2}, {"prior_resolutions": 1})
    ]
    refused = agent_api.post(URL, {**facts, "prior_resolutions": -1}, format="json")

    assert actions == ["reship", "request_info", "escalate"]
    assert refused.status_code == 400 and list(refused.json()) == ["prior_resolutions"]
