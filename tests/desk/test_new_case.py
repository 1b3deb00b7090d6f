"""Cases started from the desk: an order found from a phone call, an enquiry given its order, two cases merged."""

import pytest

from cases.models import Case, CaseEvent, CaseKind, CaseStatus
from cases.verbs import Verb
from messaging.mailparse import InboundIn
from messaging.models import InboundMessage
from messaging.services.inbound import inbound_receive
from orders.models import Buyer
from tests.factories import NAPKINS, TABLECLOTH, make_claim, make_order, track

pytestmark = pytest.mark.django_db


def enquiry_from(email: str, text: str, *, n: int = 1) -> Case:
    """A buyer's e-mail that names no order: the inbox opens an enquiry for it."""
    message = inbound_receive(
        mail=InboundIn(
            from_email=email,
            from_name="Anna Berg",
            to=["hilfe@leinen.example"],
            subject="Meine Bestellung",
            text=text,
            message_id=f"<enquiry-{n}@example.de>",
        )
    )
    return message.case


def test_an_agent_finds_an_order_without_a_case_by_number_name_mail_or_parcel(client, agent, shop, carrier):
    order = make_order(
        shop, number="LL-47110815", email="joerg.kroeger@example.de", tracking_number="JJD0001"
    )
    Buyer.objects.filter(pk=order.buyer_id).update(name="Jörg Kröger")
    other = make_order(shop, email="someone.else@example.de")
    client.force_login(agent)

    for typed in ["47110815", "ll-4711", "joerg.kroeger@example", "jjd0001", "Kröger"]:
        page = client.get("/desk/new/", {"q": typed}).content.decode()
        assert "LL-47110815" in page, typed
        assert other.number not in page, typed


def test_an_order_search_that_finds_nothing_says_so(client, agent, shop):
    client.force_login(agent)
    page = client.get("/desk/new/", {"q": "XX-nothing"}).content.decode()
    assert "No order matches" in page


def test_a_claim_opened_from_a_phone_call_shows_its_evidence_and_recommendation(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2430)
    track(order, "delivered", days_ago=1)
    line = order.lines.get()
    client.force_login(agent)

    response = client.post(
        f"/desk/orders/{order.pk}/new-case/",
        {"kind": "claim", "type": "missing_items", f"qty-{line.pk}": "1", "statement": "Ein Dutzend fehlt"},
    )

    case = Case.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == f"/desk/cases/{case.reference}/"
    assert case.kind == CaseKind.CLAIM and case.opened_via == "agent"
    assert case.claim.lines.get().quantity == 1
    assert case.decisions.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Recommendation" in page and "Evidence" in page


def test_a_claim_that_lacks_its_lines_is_refused_naming_the_field_and_nothing_is_written(
    client, agent, shop, carrier
):
    order = make_order(shop)
    client.force_login(agent)

    response = client.post(f"/desk/orders/{order.pk}/new-case/", {"kind": "claim", "type": "missing_items"})

    assert response.status_code == 400
    assert 'data-field="lines"' in response.content.decode()
    assert not Case.objects.exists()


def test_an_enquiry_becomes_a_claim_on_its_order_keeping_its_conversation(client, agent, shop, carrier):
    order = make_order(shop, email="anna.berg@example.de")
    track(order, "delivered", days_ago=1)
    enquiry = enquiry_from("anna.berg@example.de", "Die Servietten kamen zerrissen an.")
    client.force_login(agent)

    response = client.post(
        f"/desk/orders/{order.pk}/new-case/",
        {"for": enquiry.reference, "kind": "claim", "type": "damaged", "statement": "zerrissen"},
    )

    case = Case.objects.get(pk=enquiry.pk)
    assert response["Location"] == f"/desk/cases/{enquiry.reference}/"
    assert case.kind == CaseKind.CLAIM and case.order == order and case.buyer == order.buyer
    assert case.claim.type == "damaged"
    assert InboundMessage.objects.get().case == case
    verbs = list(case.events.values_list("verb", flat=True))
    assert Verb.ORDER_LINKED in verbs and Verb.CONVERTED in verbs
    assert "Die Servietten kamen zerrissen an." in client.get(response["Location"]).content.decode()
    # The queue filtered by the claim's type finds the converted enquiry (refunded at once by the
    # default matrix, so in every status), and only under that type.
    every = "&".join(f"status={status}" for status in CaseStatus.values)
    assert enquiry.reference in client.get(f"/desk/?type=damaged&{every}").content.decode()
    assert enquiry.reference not in client.get(f"/desk/?type=lost_in_transit&{every}").content.decode()


def test_an_enquiry_becomes_a_return(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=3)
    enquiry = enquiry_from("anna.berg@example.de", "Die Tischdecke ist zu klein.")
    client.force_login(agent)

    client.post(
        f"/desk/orders/{order.pk}/new-case/",
        {
            "for": enquiry.reference,
            "kind": "return",
            "reason": "too_small",
            "method": "drop_off",
            f"qty-{order.lines.get().pk}": "1",
        },
    )

    case = Case.objects.get(pk=enquiry.pk)
    assert case.kind == CaseKind.RETURN and case.return_request.lines.get().quantity == 1


def test_an_enquiry_can_be_linked_to_its_order_only(client, agent, shop, carrier):
    order = make_order(shop)
    enquiry = enquiry_from("anna.berg@example.de", "Wo bleibt mein Paket?")
    client.force_login(agent)

    client.post(f"/desk/orders/{order.pk}/new-case/", {"for": enquiry.reference, "kind": "link"})

    case = Case.objects.get(pk=enquiry.pk)
    assert case.kind == CaseKind.ENQUIRY and case.order == order
    assert case.events.filter(verb=Verb.ORDER_LINKED, new=order.number).exists()


def test_merging_an_enquiry_keeps_timeline_and_messages_and_its_reference_leads_to_the_claim(
    client, agent, shop, carrier
):
    order = make_order(shop, email="anna.berg@example.de")
    track(order, "delivered", days_ago=1)
    claim = make_claim(order)
    enquiry = enquiry_from("anna.berg@example.de", "Ich schreibe nochmal wegen der Hochzeit.")
    moved = set(enquiry.events.values_list("pk", flat=True))
    client.force_login(agent)

    response = client.post(f"/desk/cases/{enquiry.reference}/merge/", {"into": claim.case.reference.lower()})

    assert response["Location"] == f"/desk/cases/{claim.case.reference}/"
    enquiry.refresh_from_db()
    assert enquiry.status == CaseStatus.CLOSED and enquiry.merged_into == claim.case
    assert InboundMessage.objects.get().case == claim.case
    assert moved <= set(claim.case.events.values_list("pk", flat=True))
    assert claim.case.events.filter(verb=Verb.MERGED_FROM, old=enquiry.reference).exists()
    followed = client.get(f"/desk/cases/{enquiry.reference}/", follow=True)
    assert followed.redirect_chain[-1][0] == f"/desk/cases/{claim.case.reference}/"
    assert "Ich schreibe nochmal wegen der Hochzeit." in followed.content.decode()


def test_cases_of_two_buyers_are_not_merged(client, agent, shop, carrier):
    claim = make_claim(make_order(shop, email="anna.berg@example.de"))
    enquiry = enquiry_from("someone.else@example.de", "Hallo")
    events_before = CaseEvent.objects.count()
    client.force_login(agent)

    client.post(f"/desk/cases/{enquiry.reference}/merge/", {"into": claim.case.reference})

    enquiry.refresh_from_db()
    assert enquiry.status == CaseStatus.NEW and enquiry.merged_into is None
    assert CaseEvent.objects.count() == events_before


def test_a_claim_is_not_merged_away(client, agent, shop, carrier):
    claim = make_claim(make_order(shop, email="anna.berg@example.de"))
    enquiry = enquiry_from("anna.berg@example.de", "Hallo")
    client.force_login(agent)

    client.post(f"/desk/cases/{claim.case.reference}/merge/", {"into": enquiry.reference})

    assert Case.objects.get(pk=claim.case.pk).merged_into is None
