"""Money back: never more than was paid (store credit too), once per idempotency key and by its own
target, confirmed by a second person, on business days."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.models import Refund, RefundLimit, RefundStatus
from cases.refunds import add_business_days, order_refundable_amount, refund_issue
from claims.services import claim_resolve
from config.errors import Conflict
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, accept_return, make_claim, make_order, make_return, track


@row_locks
def test_concurrent_refunds_never_exceed_what_was_paid(shop, carrier, superuser):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    cases = [make_claim(order).case for _ in range(4)]

    outcomes = run_at_once(
        *[
            (
                lambda c=c, i=i: refund_issue(
                    case=c, amount=Decimal("40.00"), idempotency_key=f"r-{i}", actor=superuser
                )
            )
            for i, c in enumerate(cases)
        ]
    )

    refunded = sum(r.amount for r in Refund.objects.filter(order=order))
    assert refunded <= Decimal("105.50")
    assert refunded == Decimal("80.00")
    assert sum(isinstance(o, Refund) for o in outcomes) == 2


@row_locks
def test_same_idempotency_key_twice_at_once_refunds_once(shop, carrier, superuser):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    case = make_claim(order).case

    outcomes = run_at_once(
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=superuser),
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=superuser),
    )

    assert all(isinstance(o, Refund) for o in outcomes), outcomes
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-02", 5, "2026-03-09"),  # Monday + 5 business days = next Monday
        ("2026-03-06", 1, "2026-03-09"),  # Friday + 1 = Monday
        ("2026-03-07", 1, "2026-03-09"),  # Saturday + 1 = Monday
        ("2026-03-04", 0, "2026-03-04"),
    ],
)
def test_expected_refund_date_counts_business_days(start, days, expected):
    assert add_business_days(date.fromisoformat(start), days) == date.fromisoformat(expected)


# --- store credit stays within what was paid ------------------------------------------------


def test_store_credit_on_an_order_refunded_in_full_is_refused(shop, carrier, owner_api, owner):
    # The issue's story: 996.00 of store credit on an order already refunded in full.
    order = make_order(shop, lines=[dict(NAPKINS, quantity=40)], total="996.00")
    refunded, credited = make_claim(order).case, make_claim(order).case
    full = owner_api.post(
        f"/api/v1/cases/{refunded.reference}/resolve/",
        {"action": "refund", "amount": "996.00", "reason": "Alles beschädigt"},
        format="json",
    )
    assert full.status_code == 200, full.json()

    again = owner_api.post(
        f"/api/v1/cases/{credited.reference}/resolve/",
        {"action": "store_credit", "amount": "996.00", "reason": "Als Gutschrift"},
        format="json",
    )

    assert again.status_code == 400
    assert list(again.json()) == ["amount"]
    assert "0.00 EUR" in again.json()["amount"][0]
    assert Refund.objects.filter(order=order).count() == 1
    credited.refresh_from_db()
    assert credited.status == "new" and not credited.resolutions.exists()


def test_store_credit_and_refunds_together_stay_within_what_was_paid(shop, carrier, superuser):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    case = make_claim(order).case
    refund_issue(case=case, amount=Decimal("80.00"), idempotency_key="a", actor=superuser)

    with pytest.raises(ValidationError) as refused:
        refund_issue(
            case=case, amount=Decimal("30.00"), idempotency_key="b", actor=superuser, method="store_credit"
        )

    assert "amount" in refused.value.message_dict
    assert order_refundable_amount(order) == Decimal("25.50")


# --- an idempotency key belongs to one refund ---------------------------------------------------


def resolve(api, case, key, amount="20.00", action="partial_refund"):
    return api.post(
        f"/api/v1/cases/{case.reference}/resolve/",
        {"action": action, "amount": amount, "reason": "Delle", "idempotency_key": key},
        format="json",
    )


def test_an_agent_reusing_another_refunds_idempotency_key_gets_a_409_that_tells_nothing(
    shop, carrier, agent, agent_api, owner_api
):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    theirs = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=4)])).case
    mine = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=4)])).case
    assert resolve(owner_api, theirs, "shop-7f3a", amount="33.33").status_code == 200

    taken = resolve(agent_api, mine, "shop-7f3a", amount="33.33")

    assert taken.status_code == 409
    assert taken.json() == {
        "detail": "This idempotency key was already used for a different refund.",
        "code": "idempotency",
    }
    mine.refresh_from_db()
    assert mine.status == "new" and not Refund.objects.filter(case=mine).exists()
    # The key's owner retrying still gets its own refund back.
    retry = resolve(owner_api, theirs, "shop-7f3a", amount="33.33")
    assert retry.status_code == 200 and len(retry.json()["refunds"]) == 1


def test_a_key_is_bound_to_its_refunds_method_too(shop, carrier, superuser):
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=4)])).case
    refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="k", actor=superuser)

    with pytest.raises(Conflict):
        refund_issue(
            case=case, amount=Decimal("20.00"), idempotency_key="k", actor=superuser, method="store_credit"
        )


def test_a_client_cannot_take_the_key_of_a_refund_postsale_makes_itself(shop, carrier, agent, agent_api):
    # A return's refund is keyed "return-<id>-refund"; an agent sends that key first on a claim.
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)])
    track(order, "delivered", days_ago=2)
    request = make_return(order)
    RefundLimit.objects.create(group=agent.groups.get(), amount=Decimal("100"))
    claim_case = make_claim(order).case
    taken = resolve(agent_api, claim_case, f"return-{request.pk}-refund")
    assert taken.status_code == 200

    result = accept_return(request)

    assert result.refund is not None and result.refund.amount == Decimal("24.90")
    assert Refund.objects.get(idempotency_key=f"return-{request.pk}-refund") == result.refund


# --- four eyes ------------------------------------------------------------------------------


def test_an_agent_cannot_confirm_their_own_refund_through_the_api(shop, carrier, agent, agent_api):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    case = make_claim(make_order(shop)).case
    [refund] = resolve(agent_api, case, "pay-1", amount="30.80", action="refund").json()["refunds"]

    answer = agent_api.post(
        f"/api/v1/refunds/{refund['id']}/confirm/", {"gateway_reference": "PP-1"}, format="json"
    )

    assert answer.status_code == 403
    assert answer.json()["detail"] == "You made this refund; someone else must confirm that it was paid out."
    assert Refund.objects.get(pk=refund["id"]).status == RefundStatus.PENDING
    assert not case.events.filter(verb="refund_confirmed").exists()


def test_an_agent_cannot_confirm_their_own_refund_on_the_case_page(client, shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    case = make_claim(make_order(shop)).case
    claim_resolve(case=case, action="refund", amount=Decimal("30.80"), actor=agent, reason="x")
    refund = Refund.objects.get(case=case)
    client.force_login(agent)

    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    answer = client.post(
        f"/desk/cases/{case.reference}/refunds/{refund.pk}/confirm/", {"gateway_reference": "x"}
    )

    assert f"/refunds/{refund.pk}/confirm/" not in page
    assert answer.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING
    shown = client.get(answer["Location"]).content.decode()
    assert "someone else" in shown


def test_someone_else_confirms_the_refund(shop, carrier, agent, owner_api):
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    case = make_claim(make_order(shop)).case
    claim_resolve(case=case, action="refund", amount=Decimal("30.80"), actor=agent, reason="x")
    refund = Refund.objects.get(case=case)

    answer = owner_api.post(
        f"/api/v1/refunds/{refund.pk}/confirm/", {"gateway_reference": "PP-2"}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == "completed"
    assert case.events.get(verb="refund_confirmed").actor.username == "owner"
