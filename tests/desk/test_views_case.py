"""The case page: what it shows in the agent's language, its queries, and its actions."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from cases.choices import ClaimType
from cases.models import CaseStatus
from cases.services import case_note_add
from claims import services
from tests.factories import NAPKINS, make_claim, make_claim_cases, make_order, track
from tests.queries import at_most_queries

from .conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 20])
def test_case_page_runs_the_same_queries_however_much_the_case_holds(
    client, agent, shop, carrier, count
):
    order = make_order(shop, lines=[dict(NAPKINS, sku=f"S{i}", quantity=1) for i in range(count)])
    for day in range(count):
        track(order, "in_transit", days_ago=count - day)
    case = make_claim(order, decide=True, actor=agent).case
    for n in range(count):
        case_note_add(case=case, author=agent, body=f"Notiz {n}")
    client.force_login(agent)
    client.get("/desk/")
    # session, user, the user's shops; the case with shop, order, buyer, assignee and claim
    # joined; one query for all it holds (events, notes, money, decisions, claim lines, steps,
    # photos, parcels and scans, the return, e-mails, tags, canned replies: `fetch_together`);
    # the agent's refund limits and what the order gave back (refunds, goods exchanged); and when
    # the agent last saw the case (one upsert). Issue 17's target is 12.
    # On SQLite (the laptop default) the reads go one by one: fixed too, but not 9.
    with at_most_queries(9 if connection.vendor == "postgresql" else 40) as captured:
        response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 200, captured
    assert response.content.decode().count("Notiz ") >= count


def test_agent_applies_the_recommendation_from_the_case_page(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2400)
    case = make_claim(
        order,
        ClaimType.MISSING_ITEMS,
        decide=True,
        lines=[services.LineIn(order_line=order.lines.first(), quantity=1)],
    ).case
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "The parcel weighed what the complete order weighs." in page

    response = client.post(f"/desk/cases/{case.reference}/act/", {"action": "reship", "goodwill": "on"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.resolutions.get().action == "reship"


def test_assign_to_me_in_the_queue_shows_the_agent_at_once(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1)
    client.force_login(agent)

    response = client.post(
        f"/desk/cases/{case.reference}/assign-me/", {"from": "queue"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "agent" in response.content.decode()
    assert "assign-me" not in response.content.decode()


def test_case_page_shows_payment_method_e_mail_event_and_weight_in_german(client, claim_case):
    text = page_text(client, claim_case)

    assert "Rechnung · " in text and "invoice" not in text
    assert "E-Mail: Reklamation eingegangen" in text and "claim_received" not in text
    assert "gemessen 2,43 kg" in text and "2.43 kg" not in text


def test_overdue_first_answer_shows_how_long_it_is_overdue(client, claim_case):
    text = page_text(client, claim_case)

    assert re.search(r'data-testid="first-response-due">[^<]*<strong>[^<]+</strong> \(−2 h', text)
    assert "0 Minuten" not in text


def test_a_refused_override_names_the_actions_and_not_the_field(client, claim_case):
    response = client.post(
        f"/desk/cases/{claim_case.reference}/act/", {"action": "deny", "reason": ""}, follow=True
    )

    text = html.unescape(response.content.decode())
    assert "Die Empfehlung war Ersatzlieferung" in text
    assert "war reship" not in text and "stattdessen deny" not in text and "reason: " not in text


# --- another shop's agent ------------------------------------------------------------------


@pytest.fixture
def leinen_case(shop, carrier):
    """A damaged parcel of Leinen & Liebe, refunded but for the confirmation, with a draft carrier claim."""
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)], email="zelda.quarz@example.de")
    track(order, "delivered", days_ago=1)
    case = make_claim(order, ClaimType.DAMAGED).case
    services.claim_resolve(case=case, action="refund", reason="Beschädigt.")
    services.carrier_claim_open(claim=case.claim, amount=case.order_value)
    return case


def _leinen_actions(case):
    refund, carrier_claim = case.refunds.get(), case.claim.carrier_claims.get()
    base = f"/desk/cases/{case.reference}"
    return [
        ("get", f"{base}/", {}),
        ("get", f"{base}/evidence.pdf", {}),
        ("post", f"{base}/act/", {"action": "refund", "amount": "49.80", "reason": "Kulanz"}),
        ("post", f"{base}/move/", {"status": "closed", "reason": "erledigt"}),
        ("post", f"{base}/assign-me/", {}),
        ("post", f"{base}/note/", {"body": "Ich war hier."}),
        ("post", f"{base}/reply/", {"body": "Guten Tag"}),
        ("post", f"{base}/risk/", {"flag": "questionable", "reason": "Gefühl"}),
        ("post", f"{base}/step/", {"key": "ask_photos"}),
        ("post", f"{base}/decide/", {}),
        ("post", f"{base}/refunds/{refund.pk}/confirm/", {"gateway_reference": "re_1"}),
        ("post", f"{base}/carrier-claim/{carrier_claim.pk}/", {"status": "filed", "reference": "X"}),
        ("post", f"{base}/carrier-claim/", {}),
    ]


def test_another_shops_agent_finds_no_case_to_open_or_act_on(client, swedish_agent, leinen_case):
    timeline = list(leinen_case.events.values_list("pk", flat=True))
    client.force_login(swedish_agent)

    answers = {
        path: getattr(client, method)(path, data).status_code
        for method, path, data in _leinen_actions(leinen_case)
    }

    assert set(answers.values()) == {404}, answers
    leinen_case.refresh_from_db()
    assert (leinen_case.status, leinen_case.assignee) == (CaseStatus.RESOLVED, None)
    assert list(leinen_case.events.values_list("pk", flat=True)) == timeline
    assert leinen_case.refunds.get().status == "pending"
    assert leinen_case.buyer.risk_flag == "none"


def test_an_agent_works_a_case_of_a_second_shop_once_granted(client, swedish_agent, leinen_case, grant):
    grant(swedish_agent, leinen_case.shop)
    client.force_login(swedish_agent)

    assert client.get(f"/desk/cases/{leinen_case.reference}/").status_code == 200
    client.post(f"/desk/cases/{leinen_case.reference}/assign-me/")
    leinen_case.refresh_from_db()
    assert leinen_case.assignee == swedish_agent


def test_a_disputes_respond_by_deadline_is_in_the_case_header(client, agent, shop, carrier):
    order = make_order(shop)
    respond_by = timezone.now() + timedelta(hours=30)
    case = make_claim(
        order,
        "chargeback",
        dispute=services.DisputeIn(provider="stripe", reference="dp_1", respond_by=respond_by),
    ).case
    client.force_login(agent)

    page = client.get(f"/desk/cases/{case.reference}/").content.decode()

    start = page.index('<header class="case-head">')
    header = page[start : page.index("</header>", start)]
    assert 'data-testid="respond-by"' in header
    assert date_format(timezone.localtime(respond_by), "SHORT_DATETIME_FORMAT") in html.unescape(header)
    assert "30 h" in header or "29 h" in header
