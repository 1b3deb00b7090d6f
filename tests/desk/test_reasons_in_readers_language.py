"""A default rule's reason, stored in the shop's language, reads in the agent's desk language."""

import pytest
from django.utils import translation

from decisions.public import reason_for_reader
from tests.factories import make_claim, make_order, track

pytestmark = pytest.mark.django_db


def test_a_german_shops_rule_reason_reads_in_english_for_an_english_agent(client, agent, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    with translation.override("de"):
        case = make_claim(order, "damaged", decide=True).case  # the matrix is made in German
    reason = case.decisions.latest("id").reason
    assert "Fotos" in reason or "sofort" in reason  # stored as the German shop reads it
    client.force_login(agent)

    page = client.get(f"/desk/cases/{case.reference}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert reason not in page
    with translation.override("en"):
        assert reason_for_reader(reason) in page


def test_a_reason_the_owner_wrote_stays_as_written():
    with translation.override("en"):
        assert reason_for_reader("Die Geschichte mit der Hochzeit") == "Die Geschichte mit der Hochzeit"
