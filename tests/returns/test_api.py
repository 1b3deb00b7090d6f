"""The returns API: agents open, receive and inspect returns; shop systems and strangers cannot."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Refund
from messaging.models import OutboundMessage
from orders.models import Product
from returns import services
from returns.models import ReturnRequest, ReturnStatus
from tests.factories import NAPKINS, TABLECLOTH, make_order

from .conftest import open_return

pytestmark = pytest.mark.django_db


def test_an_agent_opens_a_return_and_gets_the_rma_and_label(agent_api, delivered_order):
    response = open_return(agent_api, delivered_order)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "label_issued"
    assert body["rma"].startswith("R-")
    assert body["label_url"].endswith(f"/api/v1/returns/{body['rma']}/label.pdf")
    pdf = agent_api.get(body["label_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_reading_a_return(agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order).json()["rma"]

    body = agent_api.get(f"/api/v1/returns/{rma}/").json()

    assert body["order"] == {"shop": "leinen", "number": delivered_order.number}
    assert body["lines"][0]["sku"] == NAPKINS["sku"]
    assert body["lines"][0]["quantity"] == 2
    assert body["lines"][0]["reason"] == "too_small"


def test_bad_input_is_answered_with_field_paths_and_nothing_is_written(agent_api, delivered_order):
    response = open_return(
        agent_api,
        delivered_order,
        lines=[
            {"sku": NAPKINS["sku"], "quantity": 2, "reason": "bored"},
            {"sku": "NOPE", "quantity": 1, "reason": "other"},
        ],
    )

    assert response.status_code == 400
    assert set(response.json()) == {"lines[0].reason"}
    assert not ReturnRequest.objects.exists()


def test_an_unknown_line_and_too_many_items_are_400(agent_api, delivered_order):
    unknown = open_return(
        agent_api, delivered_order, lines=[{"sku": "NOPE", "quantity": 1, "reason": "other"}]
    )
    too_many = open_return(
        agent_api, delivered_order, lines=[{"sku": NAPKINS["sku"], "quantity": 5, "reason": "other"}]
    )

    assert unknown.status_code == 400 and "lines[0].sku" in unknown.json()
    assert too_many.status_code == 400 and "lines[0].quantity" in too_many.json()
    assert not ReturnRequest.objects.exists()


def test_an_unknown_order_is_400(agent_api, shop):
    response = agent_api.post(
        "/api/v1/returns/",
        {
            "order": {"shop": shop.slug, "number": "404"},
            "lines": [{"sku": "X", "quantity": 1, "reason": "other"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "order" in response.json()


def test_outside_the_policy_an_agent_may_open_it_for_approval(agent_api, delivered_order):
    Product.objects.filter(sku=NAPKINS["sku"]).update(returnable=False)

    refused = open_return(agent_api, delivered_order)
    waiting = open_return(agent_api, delivered_order, outside_policy=True)

    assert refused.status_code == 400
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "requested"
    approved = agent_api.post(
        f"/api/v1/returns/{waiting.json()['rma']}/approve/", {"reason": "Kulanz"}, format="json"
    )
    assert approved.json()["status"] == "label_issued"


def test_receive_and_inspect_refund_the_accepted_items(agent_api, delivered_order):
    rma = open_return(
        agent_api,
        delivered_order,
        lines=[
            {"sku": NAPKINS["sku"], "quantity": 2, "reason": "too_small"},
            {"sku": TABLECLOTH["sku"], "quantity": 1, "reason": "not_as_described"},
        ],
    ).json()["rma"]

    received = agent_api.post(
        f"/api/v1/returns/{rma}/receive/",
        {"lines": [{"sku": NAPKINS["sku"], "quantity": 2}, {"sku": TABLECLOTH["sku"], "quantity": 1}]},
        format="json",
    )
    inspected = agent_api.post(
        f"/api/v1/returns/{rma}/inspect/",
        {
            "lines": [
                {"sku": NAPKINS["sku"], "accepted_quantity": 2, "condition": "as_new"},
                {"sku": TABLECLOTH["sku"], "accepted_quantity": 1, "condition": "opened"},
            ]
        },
        format="json",
    )

    assert received.status_code == 200 and received.json()["status"] == "received"
    assert inspected.status_code == 200, inspected.json()
    body = inspected.json()
    assert body["status"] == "refunded"
    assert Decimal(body["refund"]["amount"]) == Decimal("138.80")
    assert body["refund"]["expected_arrival"]
    assert body["exchange_order"] is None


def test_an_exchange_through_the_api_answers_with_the_new_order(agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order, resolution="exchange").json()["rma"]
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 2}]}, format="json"
    )

    body = agent_api.post(
        f"/api/v1/returns/{rma}/inspect/",
        {"lines": [{"sku": NAPKINS["sku"], "accepted_quantity": 2, "condition": "as_new"}]},
        format="json",
    ).json()

    assert body["status"] == "exchanged"
    assert body["exchange_order"] == {"shop": "leinen", "number": f"{delivered_order.number}-X1"}
    assert body["refund"] is None


def test_moves_the_return_does_not_allow_are_409(agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order).json()["rma"]
    inspect = {"lines": [{"sku": NAPKINS["sku"], "accepted_quantity": 2, "condition": "as_new"}]}

    early = agent_api.post(f"/api/v1/returns/{rma}/inspect/", inspect, format="json")
    agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 2}]}, format="json"
    )
    first = agent_api.post(f"/api/v1/returns/{rma}/inspect/", inspect, format="json")
    again = agent_api.post(f"/api/v1/returns/{rma}/inspect/", inspect, format="json")
    late_receive = agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 1}]}, format="json"
    )

    assert early.status_code == 409
    assert first.status_code == 200
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert late_receive.status_code == 409
    assert Refund.objects.count() == 1


def test_receiving_more_than_announced_is_400_and_changes_no_stock(agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order).json()["rma"]

    response = agent_api.post(
        f"/api/v1/returns/{rma}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 3}]}, format="json"
    )

    assert response.status_code == 400
    assert f"lines.{NAPKINS['sku']}" in response.json()
    assert Product.objects.get(sku=NAPKINS["sku"]).stock_on_hand == 0
    assert ReturnRequest.objects.get(rma=rma).status == ReturnStatus.LABEL_ISSUED


def test_an_unknown_rma_is_404(agent_api, db):
    assert agent_api.get("/api/v1/returns/R-2026-999999/").status_code == 404
    assert agent_api.get("/api/v1/returns/R-2026-999999/label.pdf").status_code == 404
    assert (
        agent_api.post("/api/v1/returns/R-2026-999999/receive/", {"lines": []}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/returns/"),
        ("get", "/api/v1/returns/{rma}/"),
        ("get", "/api/v1/returns/{rma}/label.pdf"),
        ("post", "/api/v1/returns/{rma}/receive/"),
        ("post", "/api/v1/returns/{rma}/inspect/"),
        ("get", "/api/v1/analytics/returns/?shop=leinen"),
    ],
)
def test_shop_systems_and_anonymous_callers_cannot_reach_returns(
    api, agent_api, delivered_order, method, path
):
    rma = open_return(agent_api, delivered_order).json()["rma"]
    url = path.format(rma=rma)

    as_integration = getattr(api, method)(url, {}, format="json")
    anonymous = getattr(APIClient(), method)(url, {}, format="json")

    assert as_integration.status_code == 403
    assert anonymous.status_code in (401, 403)


def test_a_buyers_other_order_cannot_be_returned_through_anothers_line(
    agent_api, shop, carrier, delivered_order
):
    # A line id of somebody else's order is "not on the order", not a way into it.
    other = make_order(shop, email="someone.else@example.de")
    foreign_position = other.lines.get().position
    response = open_return(
        agent_api,
        delivered_order,
        lines=[{"position": foreign_position + 10, "quantity": 1, "reason": "other"}],
    )

    assert response.status_code == 400
    assert not ReturnRequest.objects.exists()


def test_a_return_handed_to_the_carrier_no_longer_expires(agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order).json()["rma"]

    response = agent_api.post(
        f"/api/v1/returns/{rma}/in-transit/", {"tracking_number": "00340434999"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "in_transit"
    assert services.return_expire_stale(now=timezone.now() + timedelta(days=60)) == 0
    assert ReturnRequest.objects.get(rma=rma).tracking_number == "00340434999"


def test_a_rejected_request_tells_the_buyer_the_message_for_them_never_the_internal_reason(
    agent_api, delivered_order
):
    Product.objects.filter(sku=NAPKINS["sku"]).update(returnable=False)
    waiting = open_return(agent_api, delivered_order, outside_policy=True).json()
    missing_reason = agent_api.post(f"/api/v1/returns/{waiting['rma']}/reject/", {}, format="json")
    rejected = agent_api.post(
        f"/api/v1/returns/{waiting['rma']}/reject/",
        {
            "reason": "Monogramm-Ware, Kundin schon zweimal gewarnt.",
            "buyer_message": "Die Servietten wurden mit Ihrem Monogramm gefertigt.",
        },
        format="json",
    )

    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()
    assert rejected.json()["status"] == "rejected", rejected.json()
    [message] = OutboundMessage.objects.filter(event="return_declined")
    assert message.context["buyer_message"] == "Die Servietten wurden mit Ihrem Monogramm gefertigt."
    assert "gewarnt" not in str(message.context)
    assert message.to_email == delivered_order.buyer.email


def test_the_analytics_endpoint(agent_api, history):
    response = agent_api.get(
        "/api/v1/analytics/returns/", {"shop": "leinen", "from": "2026-01-01", "to": "2026-02-28"}
    )

    assert response.status_code == 200
    assert response.json()["returned_units"] == 2


def test_the_analytics_endpoint_explains_bad_parameters(agent_api, shop):
    backwards = agent_api.get(
        "/api/v1/analytics/returns/", {"shop": "leinen", "from": "2026-03-01", "to": "2026-01-01"}
    )
    unknown = agent_api.get("/api/v1/analytics/returns/", {"shop": "nope"})
    garbled = agent_api.get("/api/v1/analytics/returns/", {"shop": "leinen", "from": "yesterday"})

    assert backwards.status_code == 400 and "from" in backwards.json()
    assert unknown.status_code == 400 and "shop" in unknown.json()
    assert garbled.status_code == 400 and "from" in garbled.json()


# --- another shop's agent ------------------------------------------------------------------


def test_another_shops_agent_finds_no_return_to_read_or_move(agent_api, swedish_agent_api, delivered_order):
    rma = open_return(agent_api, delivered_order).json()["rma"]
    base = f"/api/v1/returns/{rma}"

    answers = [
        swedish_agent_api.get(f"{base}/").status_code,
        swedish_agent_api.get(f"{base}/label.pdf").status_code,
        swedish_agent_api.post(
            f"{base}/receive/", {"lines": [{"sku": NAPKINS["sku"], "quantity": 1}]}, format="json"
        ).status_code,
        swedish_agent_api.post(f"{base}/close/", {}, format="json").status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert ReturnRequest.objects.get(rma=rma).status == ReturnStatus.LABEL_ISSUED


def test_a_return_of_another_shops_order_is_refused_like_an_unknown_order(swedish_agent_api, delivered_order):
    response = open_return(swedish_agent_api, delivered_order)

    assert response.status_code == 400
    assert response.json() == {"order": ["No such order."]}
    assert not ReturnRequest.objects.exists()


def test_return_analytics_of_another_shop_are_refused_like_an_unknown_shop(swedish_agent_api, shop):
    response = swedish_agent_api.get("/api/v1/analytics/returns/", {"shop": "leinen"})
    unknown = swedish_agent_api.get("/api/v1/analytics/returns/", {"shop": "nowhere"})

    assert response.status_code == unknown.status_code == 400
    assert list(response.json()) == ["shop"]
    assert response.json()["shop"][0].replace("leinen", "nowhere") == unknown.json()["shop"][0]
