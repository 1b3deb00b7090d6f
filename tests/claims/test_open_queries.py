"""Opening a claim is a fixed, small number of queries, whoever opens it.

Inside the test's transaction claim_open's own is a SAVEPOINT … RELEASE pair, in production
BEGIN … COMMIT: the same count.
"""

import pytest
from django.db import connection

from cases.models import Case
from messaging.models import OutboundMessage
from tests.factories import make_order, track
from tests.portal.conftest import de_order, scope  # noqa: F401 (de_order is a fixture)
from tests.queries import at_most_queries

pytestmark = pytest.mark.django_db

# SQLite has no sequence to reserve the case's id from (its INSERT is followed by an UPDATE that
# writes the reference), and `fetch_together` asks its questions one by one there (the order and
# its lines: two; the twins, parcels and payments: three).
SQLITE_EXTRA = 0 if connection.vendor == "postgresql" else 4


@pytest.fixture
def warm(shop, carrier, api):
    """The shop's first claim made its decision matrix, and the API user's permissions are read."""
    response = api.post(
        "/api/v1/claims/", {"order": make_order(shop).pk, "type": "lost_in_transit"}, format="json"
    )
    assert response.status_code == 201


def test_opening_a_claim_through_the_api_takes_a_fixed_number_of_queries(shop, warm, api):
    order = make_order(shop)
    track(order, "in_transit", days_ago=9)

    # The order (shop and buyer joined) with its lines, in one query; the transaction (a SAVEPOINT … RELEASE pair
    # here, BEGIN … COMMIT in production); the order's lock, which reserves the case's id; in one
    # round trip the open claims that could be this one's twin, the parcels and the payments; the
    # case, written once with its reference, search text and search body; the buyer's and the
    # order's history (four counts, one query); the claim with its evidence; the buyer's e-mail;
    # the playbook step it ticks; the shop's matrix (checked for an owner's edit); the decision;
    # the four timeline events (one INSERT). Opening hours and SLA policies come from the cache.
    with at_most_queries(13 + SQLITE_EXTRA):  # issue 17 asks for at most 15
        response = api.post("/api/v1/claims/", {"order": order.pk, "type": "lost_in_transit"}, format="json")

    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert list(case.events.values_list("verb", flat=True)) == [
        "opened",
        "claim_opened",
        "playbook_step",
        "decision",
    ]
    assert OutboundMessage.objects.filter(case=case, event="claim_received").count() == 1
    assert response.json()["decision"]["action"] == case.decisions.get().action


def test_reporting_a_problem_in_the_portal_takes_a_fixed_number_of_queries(client, shop, warm, de_order):  # noqa: F811
    scope(client, de_order)
    client.get(f"/portal/leinen/order/{de_order.number}/problem/")  # the session and the form
    napkins = de_order.lines.get(sku="SERV-LEIN-12")

    # The claim's own as through the API (with its lines' INSERT), and what the portal adds: the
    # session, the shop, the order and its lines (shown in the form, reused for the evidence). Its
    # lock also reads the date the buyer may change; the twin check asks for an open claim of the type.
    with at_most_queries(17 + SQLITE_EXTRA):
        response = client.post(
            f"/portal/leinen/order/{de_order.number}/problem/",
            {"type": "missing_items", f"qty_{napkins.pk}": 1, "statement": "Ein Satz fehlte."},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(order=de_order)
    assert case.claim.lines.get().order_line == napkins
    assert OutboundMessage.objects.filter(case=case, event="claim_received").count() == 1
