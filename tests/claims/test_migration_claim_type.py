"""An existing database's claims give their cases the type the queue filters by."""

from decimal import Decimal

import pytest

from cases.models import Case
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = [("claims", "0010_buyer_texts"), ("cases", "0022_sla_roles")]


@pytest.fixture
def old_database(transactional_db):
    try:
        yield migrate_to(BEFORE)
    finally:
        migrate_to_latest()


@pytest.mark.slow
def test_the_upgrade_copies_each_claims_type_onto_its_case(old_database):
    apps = old_database
    shop = apps.get_model("orders", "Shop").objects.create(
        slug="leinen", name="Leinen & Liebe", currency="EUR", default_language="de"
    )
    buyer = apps.get_model("orders", "Buyer").objects.create(shop=shop, email="anna@web.example", name="Anna")
    order = apps.get_model("orders", "Order").objects.create(
        shop=shop,
        buyer=buyer,
        number="LL-1",
        placed_at="2026-11-20T09:30:00Z",
        total=Decimal("98.00"),
        currency="EUR",
    )
    OldCase, Claim = apps.get_model("cases", "Case"), apps.get_model("claims", "Claim")
    claim_case = OldCase.objects.create(
        reference="C-2026-000001", kind="claim", shop=shop, order=order, opened_via="portal", currency="EUR"
    )
    Claim.objects.create(case=claim_case, type="damaged", statement="zerrissen", evidence={})
    enquiry = OldCase.objects.create(reference="C-2026-000002", kind="enquiry", shop=shop, opened_via="email")

    migrate_to_latest()

    assert Case.objects.get(pk=claim_case.pk).claim_type == "damaged"
    assert Case.objects.get(pk=enquiry.pk).claim_type == ""
