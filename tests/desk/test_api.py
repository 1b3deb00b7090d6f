"""The agents' API: cases, their timeline and resolution, refunds confirmed, carrier claims moved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import services as cases
from cases.models import CaseStatus, RefundLimit
from claims import services as claims
from claims.models import CarrierClaimStatus
from tests.factories import NAPKINS, make_carrier_claim, make_claim, make_claim_cases, make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 20])
def test_cases_list_runs_the_same_queries_for_1_and_20_cases(
    shop, carrier, agent, agent_api, count, django_assert_num_queries
):
    make_claim_cases(shop, count)
    # 1 the session user's permissions (groups), 2 user permissions, 3 the ids of the user's shops,
    # 4 the page of cases
    # with shop, order, buyer, assignee and claim joined.
    with django_assert_num_queries(4):
        response = agent_api.get("/api/v1/cases/?status=new")
    assert response.status_code == 200
    assert len(response.json()["results"]) == count


def test_case_detail_shows_the_timeline_with_who_and_what(shop, carrier, agent, agent_api):
    order = make_order(shop)
    claim = make_claim(order, decide=True, actor=agent)
    agent_api.post(
        f"/api/v1/cases/{claim.case.reference}/notes/", {"body": "Fotos angefordert"}, format="json"
    )

    body = agent_api.get(f"/api/v1/cases/{claim.case.reference}/").json()

    whats = [event["what"] for event in body["timeline"]]
    # The acknowledgement e-mail goes out with the claim, and ticks the playbook step it is.
    assert whats[:4] == ["opened", "claim_opened", "playbook_step", "decision"]
    assert "note_added" in whats
    assert body["notes"][0]["body"] == "Fotos angefordert"
    assert body["claim"]["playbook"][0]["key"] == "acknowledge"


def test_resolving_a_resolved_case_is_a_409_with_a_clear_message(shop, carrier, agent, agent_api):
    RefundLimit.objects.create(user=agent, amount=Decimal("100.00"))
    order = make_order(shop, total="30.80")
    claim = make_claim(order)
    url = f"/api/v1/cases/{claim.case.reference}/resolve/"
    assert agent_api.post(url, {"action": "refund", "amount": "30.80"}, format="json").status_code == 200

    again = agent_api.post(url, {"action": "refund", "amount": "30.80"}, format="json")

    assert again.status_code == 409
    assert "already resolved" in again.json()["detail"]


def test_refund_above_agent_limit_escalates_to_the_owner(shop, carrier, agent, agent_api):
    RefundLimit.objects.create(user=agent, amount=Decimal("50.00"))
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)])
    claim = make_claim(order)

    response = agent_api.post(
        f"/api/v1/cases/{claim.case.reference}/resolve/",
        {"action": "refund", "amount": "99.60"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["escalated_for_limit"] is True
    assert response.json()["status"] == CaseStatus.ESCALATED
    assert response.json()["refunds"] == []


def test_override_of_the_recommendation_needs_a_reason(shop, carrier, agent_api):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=12)])
    claim = make_claim(order, decide=True)
    url = f"/api/v1/cases/{claim.case.reference}/resolve/"

    refused = agent_api.post(url, {"action": "deny"}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()

    accepted = agent_api.post(
        url, {"action": "deny", "reason": "Schaden durch Kundin verursacht"}, format="json"
    )
    assert accepted.status_code == 200
    assert accepted.json()["decision"]["overridden_action"] == "deny"


def test_anonymous_cannot_read_cases(client, db):
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_manual_refund_is_pending_until_someone_else_confirms_it_once(
    shop, carrier, agent, agent_api, owner_api
):
    RefundLimit.objects.create(user=agent, amount=Decimal("100.00"))
    order = make_order(shop, total="30.80")
    claim = make_claim(order)
    body = agent_api.post(
        f"/api/v1/cases/{claim.case.reference}/resolve/",
        {"action": "refund", "amount": "30.80"},
        format="json",
    ).json()
    [refund] = body["refunds"]
    assert refund["status"] == "pending"

    confirmed = owner_api.post(
        f"/api/v1/refunds/{refund['id']}/confirm/", {"gateway_reference": "PP-7781"}, format="json"
    )
    again = owner_api.post(f"/api/v1/refunds/{refund['id']}/confirm/", {}, format="json")

    assert confirmed.json()["status"] == "completed"
    assert again.status_code == 409


def test_the_api_names_the_recovered_amount_field(shop, carrier, agent, owner_api):
    carrier_claim = make_carrier_claim(shop, actor=agent, status=CarrierClaimStatus.FILED)

    response = owner_api.post(
        f"/api/v1/carrier-claims/{carrier_claim.pk}/",
        {"status": "rejected", "recovered_amount": "5000.00"},
        format="json",
    )

    assert response.status_code == 400
    assert "recovered_amount" in str(response.json())


def test_a_refused_move_is_a_409_with_its_code(shop, carrier, agent, owner_api):
    draft = make_carrier_claim(shop, actor=agent)

    response = owner_api.post(f"/api/v1/carrier-claims/{draft.pk}/", {"status": "paid"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


# --- another shop's agent ------------------------------------------------------------------


def test_another_shops_agent_lists_only_their_cases_and_finds_no_other(
    shop, swedish_shop, carrier, swedish_agent_api
):
    [leinen] = make_claim_cases(shop, 1)
    [own] = make_claim_cases(swedish_shop, 1)

    listed = swedish_agent_api.get("/api/v1/cases/").json()["results"]
    by_shop = swedish_agent_api.get("/api/v1/cases/", {"shop": shop.slug}).json()["results"]
    detail = swedish_agent_api.get(f"/api/v1/cases/{leinen.reference}/")

    assert [case["reference"] for case in listed] == [own.reference]
    assert by_shop == []
    assert detail.status_code == 404 and leinen.buyer.email not in detail.content.decode()


@pytest.mark.parametrize(
    "path, body",
    [
        ("resolve/", {"action": "refund", "amount": "24.90", "reason": "Kulanz"}),
        ("notes/", {"body": "Ich war hier."}),
        ("assign/", {"assignee": "sofia"}),
    ],
)
def test_another_shops_agent_cannot_act_on_a_case(shop, carrier, swedish_agent_api, path, body):
    [leinen] = make_claim_cases(shop, 1)
    events = leinen.events.count()

    response = swedish_agent_api.post(f"/api/v1/cases/{leinen.reference}/{path}", body, format="json")

    assert response.status_code == 404
    leinen.refresh_from_db()
    assert (leinen.status, leinen.assignee, leinen.events.count()) == (CaseStatus.NEW, None, events)


def test_another_shops_agent_cannot_confirm_a_refund_or_move_a_carrier_claim(
    shop, carrier, agent, swedish_agent_api
):
    order = make_order(shop, total="30.80")
    case = make_claim(order).case
    claims.claim_resolve(case=case, action="refund", amount=Decimal("30.80"))
    refund = case.refunds.get()
    carrier_claim = make_carrier_claim(shop, actor=agent)

    confirmed = swedish_agent_api.post(f"/api/v1/refunds/{refund.pk}/confirm/", {}, format="json")
    moved = swedish_agent_api.post(
        f"/api/v1/carrier-claims/{carrier_claim.pk}/", {"status": "filed"}, format="json"
    )

    assert (confirmed.status_code, moved.status_code) == (404, 404)
    refund.refresh_from_db()
    carrier_claim.refresh_from_db()
    assert (refund.status, carrier_claim.status) == ("pending", CarrierClaimStatus.DRAFT)


def test_a_case_is_assigned_only_to_someone_of_its_shop(shop, carrier, agent_api, swedish_agent):
    [case] = make_claim_cases(shop, 1)

    response = agent_api.post(f"/api/v1/cases/{case.reference}/assign/", {"assignee": "sofia"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"assignee": ["No agent with this user name."]}
    case.refresh_from_db()
    assert case.assignee is None


def test_the_assign_service_refuses_someone_of_another_shop(shop, carrier, agent, swedish_agent):
    [case] = make_claim_cases(shop, 1)

    with pytest.raises(ValidationError) as refused:
        cases.case_assign(case=case, assignee=swedish_agent, actor=agent)

    assert "assignee" in refused.value.message_dict
