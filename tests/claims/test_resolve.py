"""Resolving a claim: the money it pays and counts (rule percents, per-case limits, repeat refunds, store credit)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cases.models import CaseStatus, OpenedVia, Refund, RefundLimit, RefundStatus
from cases.services import case_move
from claims import services
from decisions import services as decisions
from tests.factories import NAPKINS, make_order

pytestmark = pytest.mark.django_db


def use_rules(shop, *rules, auto_apply_limit="0"):
    """Make `rules` the shop's active matrix."""
    data = {
        "shop": shop.slug,
        "currency": shop.currency,
        "auto_apply_limit": auto_apply_limit,
        "rules": list(rules),
    }
    return decisions.matrix_import(shop=shop, data=data, activate=True)


def order_of_89_40(shop):
    # Three dozen napkins (74.70) and 14.70 shipping.
    return make_order(shop, lines=[dict(NAPKINS, quantity=3)], shipping_total="14.70")


def open_damaged(order):
    return services.claim_open(order=order, type="damaged", opened_via=OpenedVia.API)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_accepting_a_partial_refund_recommendation_pays_the_rules_percent(shop, owner):
    use_rules(
        shop, {"claim_type": "damaged", "action": "partial_refund", "refund_percent": 30, "reason": "Dented"}
    )
    claim = open_damaged(order_of_89_40(shop))

    response = client_for(owner).post(
        f"/api/v1/cases/{claim.case.reference}/resolve/", {"action": "partial_refund"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert claim.case.resolutions.get().amount == Decimal("26.82")


def test_accepting_the_recommendation_in_the_service_pays_the_rules_percent(shop, owner):
    use_rules(
        shop, {"claim_type": "damaged", "action": "partial_refund", "refund_percent": 30, "reason": "Dented"}
    )
    claim = open_damaged(order_of_89_40(shop))

    result = services.claim_act(case=claim.case, actor=owner, action="partial_refund")

    assert result.resolution.amount == Decimal("26.82")


def test_an_auto_applied_refund_rule_with_a_percent_pays_that_percent(shop):
    use_rules(
        shop,
        {
            "claim_type": "damaged",
            "action": "refund",
            "refund_percent": 40,
            "auto_apply": True,
            "reason": "Dented",
        },
        auto_apply_limit="100",
    )
    claim = open_damaged(order_of_89_40(shop))

    assert claim.case.resolutions.get().amount == Decimal("35.76")


def test_an_agent_cannot_pass_the_limit_by_reopening_and_refunding_again(shop, agent):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    RefundLimit.objects.create(user=agent, amount=Decimal("50"))
    claim = open_damaged(order_of_89_40(shop))
    case = claim.case

    first = services.claim_act(
        case=case, actor=agent, action="partial_refund", amount=Decimal("30"), reason="x"
    )
    case_move(case=case, to=CaseStatus.IN_PROGRESS, actor=agent, reason="Buyer wrote again")
    second = services.claim_act(
        case=case, actor=agent, action="partial_refund", amount=Decimal("25"), reason="x"
    )

    assert not first.escalated_for_limit
    assert second.escalated_for_limit
    assert Refund.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED


def test_a_failed_refund_does_not_count_against_the_limit(shop, agent):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    case = open_damaged(order_of_89_40(shop)).case
    services.claim_act(case=case, actor=agent, action="partial_refund", amount=Decimal("60"), reason="x")
    Refund.objects.filter(case=case).update(status=RefundStatus.FAILED)
    case_move(case=case, to=CaseStatus.IN_PROGRESS, actor=agent, reason="The refund bounced")

    again = services.claim_act(
        case=case, actor=agent, action="partial_refund", amount=Decimal("60"), reason="x"
    )

    assert not again.escalated_for_limit


def test_store_credit_can_be_chosen_instead_of_the_recommendation(shop, owner):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    case = open_damaged(order_of_89_40(shop)).case

    response = client_for(owner).post(
        f"/api/v1/cases/{case.reference}/resolve/",
        {"action": "store_credit", "amount": "20.00", "reason": "Buyer prefers credit"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert case.resolutions.get().refund.method == "store_credit"
    assert case.decisions.get().override_action == "store_credit"


def test_a_second_refund_of_the_same_amount_after_a_reopen_is_made(shop, owner):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    case = open_damaged(order_of_89_40(shop)).case
    services.claim_act(case=case, actor=owner, action="partial_refund", amount=Decimal("20"), reason="x")
    case_move(case=case, to=CaseStatus.IN_PROGRESS, actor=owner, reason="Second item broken too")

    services.claim_act(case=case, actor=owner, action="partial_refund", amount=Decimal("20"), reason="x")

    assert case.resolutions.count() == 2
    assert Refund.objects.filter(case=case).count() == 2


def test_a_retry_with_the_same_idempotency_key_gets_the_first_result(shop, owner):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    case = open_damaged(order_of_89_40(shop)).case
    api = client_for(owner)
    body = {"action": "partial_refund", "amount": "20.00", "reason": "x", "idempotency_key": "shop-42"}

    first = api.post(f"/api/v1/cases/{case.reference}/resolve/", body, format="json")
    retry = api.post(f"/api/v1/cases/{case.reference}/resolve/", body, format="json")

    assert first.status_code == retry.status_code == 200, retry.json()
    assert case.resolutions.count() == 1
    assert Refund.objects.filter(case=case).count() == 1
