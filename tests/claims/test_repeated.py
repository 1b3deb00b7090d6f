"""The same claim sent twice, without an Idempotency-Key, opens one case."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case
from claims import services as claims
from messaging.models import OutboundMessage
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, TABLECLOTH, make_order
from tests.portal.conftest import scope

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def order(shop, carrier):
    return make_order(shop, lines=[dict(NAPKINS, quantity=4), dict(TABLECLOTH, quantity=1)])


def _missing(order, quantity=1, statement="Ein Satz fehlt"):
    return {
        "order": order.pk,
        "type": "missing_items",
        "lines": [{"sku": NAPKINS["sku"], "quantity": quantity}],
        "statement": statement,
    }


def test_the_same_claim_posted_again_answers_the_open_case_with_200(order, api):
    first = api.post(CLAIMS, _missing(order), format="json")
    again = api.post(CLAIMS, _missing(order), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Case.objects.count() == 1
    # The buyer is told once that the claim arrived.
    assert OutboundMessage.objects.filter(event="claim_received").count() == 1


def test_other_lines_or_another_type_are_claims_of_their_own(order, api):
    api.post(CLAIMS, _missing(order), format="json")

    other_quantity = api.post(CLAIMS, _missing(order, quantity=2), format="json")
    other_type = api.post(CLAIMS, {"order": order.pk, "type": "damaged"}, format="json")

    assert (other_quantity.status_code, other_type.status_code) == (201, 201)
    assert Case.objects.count() == 3


def test_the_same_claim_after_the_window_opens_a_new_case(order, api, settings):
    settings.POSTSALE_DUPLICATE_CLAIM_MINUTES = 10
    api.post(CLAIMS, _missing(order), format="json")
    Case.objects.update(opened_at=timezone.now() - timedelta(minutes=11))

    later = api.post(CLAIMS, _missing(order), format="json")

    assert later.status_code == 201
    assert Case.objects.count() == 2


def test_the_same_claim_after_the_first_was_resolved_opens_a_new_case(order, api, owner):
    first = api.post(CLAIMS, _missing(order), format="json").json()
    case = Case.objects.get(reference=first["reference"])
    claims.claim_resolve(case=case, action="deny", actor=owner, reason="Gewicht passt zur vollen Sendung")

    again = api.post(CLAIMS, _missing(order), format="json")

    assert again.status_code == 201
    assert again.json()["reference"] != first["reference"]


def test_a_repeat_that_says_more_keeps_it_on_the_case(order, api):
    api.post(CLAIMS, _missing(order), format="json")

    api.post(CLAIMS, _missing(order, statement="Auch die Karte fehlte"), format="json")

    case = Case.objects.get()
    assert case.events.filter(verb="buyer_reported_again", data__statement="Auch die Karte fehlte").exists()


@row_locks
def test_two_identical_claims_at_once_open_one_case(order, integration):
    def post():
        client = APIClient()
        client.force_authenticate(integration)
        return client.post(CLAIMS, _missing(order), format="json")

    outcomes = run_at_once(post, post)

    assert sorted(response.status_code for response in outcomes) == [200, 201]
    assert outcomes[0].json()["reference"] == outcomes[1].json()["reference"]
    assert Case.objects.count() == 1


@row_locks
def test_a_double_submit_of_the_portals_report_opens_one_case(order):
    browsers = [Client(), Client()]
    for browser in browsers:
        scope(browser, order)
    napkins = order.lines.get(sku=NAPKINS["sku"])
    form = {"type": "missing_items", f"qty_{napkins.pk}": 1, "statement": "Ein Satz fehlt"}
    url = f"/portal/{order.shop.slug}/order/{order.number}/problem/"

    outcomes = run_at_once(*(lambda browser=browser: browser.post(url, form) for browser in browsers))

    assert [response.status_code for response in outcomes] == [302, 302]
    assert Case.objects.filter(order=order).count() == 1
