"""An owner approves a refund an agent could not make, from the approvals inbox, in Chromium."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from cases.models import Approval, CaseStatus, Refund, RefundLimit
from claims.services import claim_resolve
from config.roles import AGENTS, OWNERS
from tests.factories import NAPKINS, make_claim, make_order, track

from .test_desk_flow import log_in, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_approves_a_held_refund_from_the_inbox_in_one_click(desktop, live_server, shop, carrier):
    agent = user("anna", AGENTS, shop)
    user("ines", OWNERS, shop, staff=True)
    RefundLimit.objects.create(group=Group.objects.get(name=AGENTS), amount=Decimal("50"))
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)])
    track(order, "delivered", days_ago=2)
    case = make_claim(order).case
    claim_resolve(case=case, action="refund", amount=Decimal("80.00"), actor=agent, reason="Alle fleckig.")
    approval = Approval.objects.get(case=case)

    page = log_in(desktop, live_server, "ines")
    page.click("nav >> text=Approvals")
    page.wait_for_selector(f"#approval-{approval.pk}")
    row = page.inner_text(f"#approval-{approval.pk}")
    assert case.reference in row and "80.00" in row and "Alle fleckig." in row

    with page.expect_navigation():
        page.click(f"#approval-{approval.pk} button:has-text('Approve')")

    assert "Approved" in page.inner_text(".flash")
    assert page.query_selector(f"#approval-{approval.pk}") is None
    [refund] = Refund.objects.filter(case=case)
    assert refund.amount == Decimal("80.00")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
