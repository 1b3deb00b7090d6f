"""Two agents at once: one wins, the other is told; money never leaves twice."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from cases.choices import ClaimType
from cases.models import OpenedVia, Refund
from cases.refunds import refund_issue
from claims import services
from claims.models import Resolution
from config.errors import Conflict
from tests.factories import NAPKINS, make_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def owner(db):
    # Transactional tests start from an emptied database, without the groups the migrations made:
    # a superuser has every permission and no refund limit, which is all these tests need.
    from django.contrib.auth.models import User

    return User.objects.create_superuser("boss", password="boss")


def run_at_once(*functions):
    """Start the functions together on their own connections; return what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            outcomes[index] = function()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_agents_resolving_one_case_at_once_give_one_resolution_and_one_conflict(
    shop, carrier, agent, owner
):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)], total="55.70")
    claim = services.claim_open(order=order, type=ClaimType.DAMAGED, opened_via=OpenedVia.AGENT, decide=False)
    case = claim.case

    outcomes = run_at_once(
        lambda: services.claim_act(
            case=case, actor=owner, action="refund", amount=Decimal("55.70"), reason="Beschädigt angekommen"
        ),
        lambda: services.claim_act(
            case=case, actor=owner, action="refund", amount=Decimal("55.70"), reason="Beschädigt angekommen"
        ),
    )

    assert sum(isinstance(o, services.ResolveResult) for o in outcomes) == 1
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1
    assert "already resolved" in conflicts[0].message
    assert Resolution.objects.filter(case=case).count() == 1
    assert Refund.objects.filter(order=order).count() == 1


def test_concurrent_refunds_never_exceed_what_was_paid(shop, carrier, owner):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    cases = [
        services.claim_open(
            order=order, type=ClaimType.DAMAGED, opened_via=OpenedVia.AGENT, decide=False
        ).case
        for _ in range(4)
    ]

    outcomes = run_at_once(
        *[
            (
                lambda c=c, i=i: refund_issue(
                    case=c, amount=Decimal("40.00"), idempotency_key=f"r-{i}", actor=owner
                )
            )
            for i, c in enumerate(cases)
        ]
    )

    refunded = sum(r.amount for r in Refund.objects.filter(order=order))
    assert refunded <= Decimal("105.50")
    assert refunded == Decimal("80.00")
    assert sum(isinstance(o, Refund) for o in outcomes) == 2


def test_same_idempotency_key_twice_at_once_refunds_once(shop, carrier, owner):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], total="105.50")
    case = services.claim_open(
        order=order, type=ClaimType.DAMAGED, opened_via=OpenedVia.AGENT, decide=False
    ).case

    outcomes = run_at_once(
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=owner),
        lambda: refund_issue(case=case, amount=Decimal("20.00"), idempotency_key="same", actor=owner),
    )

    assert all(isinstance(o, Refund) for o in outcomes), outcomes
    assert Refund.objects.filter(order=order).count() == 1
