"""The claims API refuses what it cannot read clearly."""

import pytest

from cases.models import Case
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "reference",
    [
        1.5,
        {"shop": "leinen"},
        True,
        # The fuzzer's: a NUL reached PostgreSQL's driver (500) before the key was checked like a return's.
        {"shop": "lei\x00nen", "number": "LL-1"},
        {"shop": "leinen", "number": "LL\x00-1"},
    ],
)
def test_an_order_reference_that_is_no_id_or_shop_and_number_is_a_400(api, shop, reference):
    make_order(shop)

    response = api.post("/api/v1/claims/", {"order": reference, "type": "damaged"}, format="json")

    assert response.status_code == 400
    assert "order id" in response.json()["order"][0]


def test_claim_with_a_line_not_on_the_order_is_refused_and_writes_nothing(shop, carrier, agent_api):
    order = make_order(shop)
    response = agent_api.post(
        "/api/v1/claims/",
        {"order": order.pk, "type": "missing_items", "lines": [{"position": 9, "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"lines[0].position": ["This line is not on the order."]}
    assert Case.objects.count() == 0


@pytest.mark.parametrize("by", ["id", "shop and number"])
def test_a_claim_on_another_shops_order_is_refused_like_an_unknown_order(
    shop, carrier, swedish_agent_api, by
):
    order = make_order(shop, number="LL-4711")
    reference = order.pk if by == "id" else {"shop": "leinen", "number": "LL-4711"}

    response = swedish_agent_api.post(
        "/api/v1/claims/", {"order": reference, "type": "damaged"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"order": ["No such order."]}
    assert Case.objects.count() == 0


@pytest.mark.parametrize("order_id", [2**63, 116039740466405179392, -(2**70)])
def test_an_order_id_past_what_the_database_holds_is_no_such_order(api, shop, order_id):
    """The fuzzer's case: the id no bigint holds made the order's read raise (500), first use or not."""
    make_order(shop)

    for _ in range(2):
        response = api.post("/api/v1/claims/", {"order": order_id, "type": "lost_in_transit"}, format="json")

        assert response.status_code == 400
        assert response.json() == {"order": ["No such order."]}
    assert Case.objects.count() == 0
