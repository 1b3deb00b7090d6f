"""Resolving a claim: the money it pays and counts (rule percents, per-case limits, repeat refunds,
store credit), the e-mail it sends, and one resolution however many agents click."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia, Refund, RefundLimit, RefundStatus
from cases.services import case_move
from claims import services
from claims.models import CarrierClaim, CarrierClaimStatus, Resolution
from config.errors import Conflict
from decisions import services as decisions
from messaging.models import OutboundMessage, OwnerEvent
from messaging.rendering import render_message
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_claim, make_claim_cases, make_order, track

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
    return make_claim(order, ClaimType.DAMAGED, opened_via=OpenedVia.API, decide=True)


def test_accepting_a_partial_refund_recommendation_pays_the_rules_percent(shop, owner_api):
    use_rules(
        shop, {"claim_type": "damaged", "action": "partial_refund", "refund_percent": 30, "reason": "Dented"}
    )
    claim = open_damaged(order_of_89_40(shop))

    response = owner_api.post(
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


def test_store_credit_can_be_chosen_instead_of_the_recommendation(shop, owner_api):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    case = open_damaged(order_of_89_40(shop)).case

    response = owner_api.post(
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


def test_a_retry_with_the_same_idempotency_key_gets_the_first_result(shop, owner_api):
    use_rules(shop, {"action": "request_info", "reason": "Ask first"})
    case = open_damaged(order_of_89_40(shop)).case
    body = {"action": "partial_refund", "amount": "20.00", "reason": "x", "idempotency_key": "shop-42"}

    first = owner_api.post(f"/api/v1/cases/{case.reference}/resolve/", body, format="json")
    retry = owner_api.post(f"/api/v1/cases/{case.reference}/resolve/", body, format="json")

    assert first.status_code == retry.status_code == 200, retry.json()
    assert case.resolutions.count() == 1
    assert Refund.objects.filter(case=case).count() == 1


def test_an_impossible_refund_is_refused_before_any_owner_is_asked(shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("20"))
    order = make_order(shop)
    track(order, "delivered", days_ago=2)
    case = make_claim(order, opened_via=OpenedVia.PORTAL).case

    with pytest.raises(ValidationError) as refused:
        services.claim_resolve(case=case, action="partial_refund", amount=Decimal("99999"), actor=agent)

    assert "amount" in refused.value.message_dict
    case.refresh_from_db()
    assert case.status != CaseStatus.ESCALATED
    assert not case.events.filter(verb="refund_needs_approval").exists()


def _replacement_email(case):
    return render_message(OutboundMessage.objects.filter(case=case, event="replacement_shipped").latest("id"))


@pytest.fixture
def lost_case(shop, carrier):
    order = make_order(shop)
    track(order, "in_transit", days_ago=12)
    return make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.PORTAL).case


def test_a_replacement_not_yet_shipped_is_announced_without_the_lost_parcels_number(lost_case, agent):
    lost_number = lost_case.order.shipments.get().tracking_number

    services.claim_resolve(case=lost_case, action="reship", reason="Paket verloren", actor=agent)

    email = _replacement_email(lost_case)
    assert lost_number not in email.text
    assert "in den nächsten Tagen" in email.text
    assert email.subject == "Wir schicken Ihnen Ersatz"


def test_a_shipped_replacement_gives_its_own_tracking_number(lost_case, agent):
    lost_number = lost_case.order.shipments.get().tracking_number

    services.claim_resolve(
        case=lost_case,
        action="reship",
        reason="Paket verloren",
        actor=agent,
        replacement={"carrier": "dhl", "tracking_number": "00340434161094077777"},
    )

    email = _replacement_email(lost_case)
    assert "00340434161094077777" in email.text
    assert lost_number not in email.text


@row_locks
def test_two_agents_resolving_one_case_at_once_give_one_resolution_and_one_conflict(
    shop, carrier, agent, superuser
):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)], total="55.70")
    case = make_claim(order).case

    outcomes = run_at_once(
        lambda: services.claim_act(
            case=case,
            actor=superuser,
            action="refund",
            amount=Decimal("55.70"),
            reason="Beschädigt angekommen",
        ),
        lambda: services.claim_act(
            case=case,
            actor=superuser,
            action="refund",
            amount=Decimal("55.70"),
            reason="Beschädigt angekommen",
        ),
    )

    assert sum(isinstance(o, services.ResolveResult) for o in outcomes) == 1
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1
    assert "already resolved" in conflicts[0].message
    assert Resolution.objects.filter(case=case).count() == 1
    assert Refund.objects.filter(order=order).count() == 1


# --- a replacement for a parcel the carrier lost starts the claim against the carrier ----------


def test_a_replacement_for_a_lost_parcel_drafts_the_carrier_claim_and_its_reminder_goes_out(
    shop, carrier, agent, owner
):
    owner.email = "owner@leinen.example"
    owner.save()
    order = make_order(shop, shipped_days_ago=12)
    track(order, "in_transit", days_ago=11)
    case = make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API).case

    services.claim_resolve(
        case=case, action="reship_with_return_label", actor=agent, reason="Hochzeit am Samstag"
    )

    [carrier_claim] = CarrierClaim.objects.filter(claim=case.claim)
    assert carrier_claim.status == CarrierClaimStatus.DRAFT
    assert carrier_claim.deadline is not None
    assert case.events.filter(verb="carrier_claim_opened").count() == 1
    # Nothing to remind of yet; three days before the carrier's deadline the owner hears of it.
    assert services.carrier_claims_remind() == 0
    before = timezone.make_aware(datetime.combine(carrier_claim.deadline - timedelta(days=3), time(9)))
    assert services.carrier_claims_remind(now=before) == 1
    [reminder] = OutboundMessage.objects.filter(case=case, event=OwnerEvent.CARRIER_CLAIM_DEADLINE)
    assert reminder.to_email == "owner@leinen.example"


def test_a_replacement_after_a_reopen_drafts_no_second_carrier_claim(shop, carrier, agent):
    order = make_order(shop, shipped_days_ago=12)
    case = make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API).case
    services.claim_resolve(case=case, action="reship", actor=agent)
    case_move(case=case, to=CaseStatus.IN_PROGRESS, actor=agent, reason="Ersatz kam nicht an")

    services.claim_resolve(case=case, action="reship", actor=agent)

    assert CarrierClaim.objects.filter(claim=case.claim).count() == 1


def test_a_replacement_for_a_delivered_parcel_claims_nothing_from_the_carrier(shop, carrier, agent):
    [case] = make_claim_cases(shop, 1, ClaimType.DELIVERED_NOT_RECEIVED)

    services.claim_resolve(case=case, action="reship", actor=agent)

    assert not CarrierClaim.objects.filter(claim=case.claim).exists()
