"""Search that finds what agents type: words of the buyers' messages, notes and order lines, names without their accents."""

import pytest
from django.db import connection

from cases.models import Case
from cases.services import case_note_add
from messaging.mailparse import InboundIn
from messaging.services.inbound import inbound_receive
from messaging.services.replies import agent_reply
from orders.models import Buyer
from tests.factories import MONOGRAM_TOWELS, NAPKINS, TABLECLOTH, make_claim, make_order, track

pytestmark = pytest.mark.django_db


def found(client, q: str) -> list[str]:
    page = client.get("/desk/", {"q": q}).content.decode()
    return [row.split("/", 1)[0] for row in page.split('data-href="/desk/cases/')[1:]]


def enquiry(text: str, *, email="karla.kroeger@example.de", name="Karla Kröger", n=1) -> Case:
    return inbound_receive(
        mail=InboundIn(
            from_email=email,
            from_name=name,
            to=["hilfe@leinen.example"],
            subject="Frage",
            text=text,
            message_id=f"<search-{n}@example.de>",
        )
    ).case


@pytest.fixture
def others(shop, carrier):
    """Cases that must not be found: damaged tablecloths, none of the words searched for."""
    return [make_claim(make_order(shop, lines=[dict(TABLECLOTH, quantity=1)])).case for _ in range(2)]


def test_a_word_of_the_buyers_email_finds_the_case(client, agent, shop, others):
    case = enquiry("Die Servietten für unsere Hochzeit am Samstag sind noch nicht da!")
    client.force_login(agent)

    assert found(client, "Servietten") == [case.reference]
    assert found(client, "hochzeit") == [case.reference]
    assert found(client, "Servietten Hochzeit") == [case.reference]


def test_a_name_typed_without_its_accent_finds_the_buyer(client, agent, shop, others):
    case = enquiry("Hallo", name="Jörg Kröger")
    Buyer.objects.filter(pk=case.buyer_id).update(name="Jörg Kröger")
    client.force_login(agent)

    assert found(client, "Kroger") == [case.reference]
    assert found(client, "Kröger") == [case.reference]


def test_the_claims_statement_notes_replies_and_order_lines_are_searched(
    client, agent, shop, carrier, others
):
    order = make_order(shop, lines=[dict(MONOGRAM_TOWELS, quantity=1), dict(NAPKINS, quantity=1)])
    track(order, "delivered", days_ago=1)
    case = make_claim(order, statement="Das Monogramm ist klein geschrieben").case
    case_note_add(case=case, author=agent, body="Kundin rief an, Rückruf morgen")
    agent_reply(case=case, agent=agent, body="Wir nähen Ihnen neue Tücher.")
    client.force_login(agent)

    assert case.reference in found(client, "geschrieben")  # the statement
    assert found(client, "Rückruf") == [case.reference]  # a private note
    assert found(client, "Ruckruf") == [case.reference]  # the same, typed without the umlaut
    assert found(client, "nähen") == [case.reference]  # the agent's reply
    assert found(client, "Handtücher") == [case.reference]  # an order line


def test_stemming_finds_another_form_of_the_word_on_postgresql(client, agent, shop, others, settings):
    if connection.vendor != "postgresql":
        pytest.skip("stemming is PostgreSQL's; the embedded SQLite default finds the words as written")
    case = enquiry("Eine Serviette war beschädigt.", n=2)
    client.force_login(agent)

    assert found(client, "Servietten") == [case.reference]
    assert found(client, "beschädigte") == [case.reference]


def test_an_identifier_typed_in_full_ranks_first(client, agent, shop, carrier):
    order = make_order(shop, number="LL-900100")
    target = make_claim(order).case
    enquiry("Meine Bestellung LL-900100 hat eine Frage zu LL-900100x", email="x@example.de", n=3)
    client.force_login(agent)

    assert found(client, "LL-900100")[0] == target.reference


def test_an_identifier_is_found_whole_though_the_index_looks_up_one_piece_of_it(client, agent, shop, others):
    """The trigram index is asked for "4242" only (the rarest-looking piece); the rest must match too."""
    wanted = enquiry("Hallo", email="anna.4242@example.de", name="Anna Berg", n=1)
    same_number = enquiry("Hallo", email="bert.4242@example.se", name="Bert Berg", n=2)
    client.force_login(agent)

    assert found(client, "anna.4242@example") == [wanted.reference]
    assert found(client, "ANNA.4242@EXAMPLE.DE") == [wanted.reference]
    assert sorted(found(client, "4242@example")) == sorted([wanted.reference, same_number.reference])
    assert found(client, "anna.4242@example.se") == []
