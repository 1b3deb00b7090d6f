"""Reporting the same problem twice: the buyer is shown the case already open, not a second one."""

import pytest

from cases.models import Case, CaseStatus
from claims.models import Claim
from tests.factories import RUNNER

from .conftest import lookup

pytestmark = pytest.mark.django_db


def report(client, order, type="missing_items", statement="Löparen saknades i paketet."):
    runner = order.lines.get(sku=RUNNER["sku"])
    return client.post(
        f"/portal/{order.shop.slug}/order/{order.number}/problem/",
        {"type": type, f"qty_{runner.pk}": 1, "statement": statement},
    )


@pytest.fixture
def buyer(client, se_order):
    lookup(client, se_order, se_order.number, "lena.holm@telia.example")
    return client


def test_the_same_problem_reported_twice_shows_the_open_case(buyer, se_order):
    first = report(buyer, se_order)
    second = report(buyer, se_order, statement="Har ni fått min anmälan?")

    claim = Claim.objects.get(case__order=se_order)
    assert second.status_code == 302
    assert second["Location"] == f"{first['Location']}?again=1"
    page = buyer.get(second["Location"]).content.decode()
    assert claim.case.reference in page
    assert "Tack, vi har fått din anmälan" not in page  # the thanks for a new report
    again = claim.case.events.get(verb="buyer_reported_again")
    assert again.data["statement"] == "Har ni fått min anmälan?"


def test_a_problem_of_another_type_opens_its_own_case(buyer, se_order):
    report(buyer, se_order, type="missing_items")
    report(buyer, se_order, type="damaged")

    assert sorted(Claim.objects.filter(case__order=se_order).values_list("type", flat=True)) == [
        "damaged",
        "missing_items",
    ]


def test_once_the_case_is_resolved_the_same_problem_opens_a_new_case(buyer, se_order):
    report(buyer, se_order)
    Case.objects.filter(order=se_order).update(status=CaseStatus.RESOLVED)

    report(buyer, se_order)

    assert Claim.objects.filter(case__order=se_order, type="missing_items").count() == 2
