from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from cases.choices import ClaimType
from cases.models import Case, CaseStatus, OpenedVia, RefundLimit
from cases.services import case_note_add
from claims import services
from messaging.models import BuyerEvent, OutboundMessage
from tests.factories import NAPKINS, make_order, track

pytestmark = pytest.mark.django_db


def open_claims(shop, count, claim_type=ClaimType.DAMAGED):
    cases = []
    for _ in range(count):
        order = make_order(shop)
        track(order, "delivered", days_ago=1)
        cases.append(
            services.claim_open(order=order, type=claim_type, opened_via=OpenedVia.AGENT, decide=False).case
        )
    return cases


def test_anonymous_is_sent_to_login_and_a_buyer_account_is_refused(client, db):
    assert client.get("/desk/").status_code == 302
    User.objects.create_user("buyer", password="buyer")
    client.login(username="buyer", password="buyer")
    assert client.get("/desk/").status_code == 403


@pytest.mark.parametrize("count", [1, 20])
def test_queue_runs_the_same_queries_for_1_and_20_cases(
    client, agent, shop, carrier, count, django_assert_num_queries
):
    open_claims(shop, count)
    client.force_login(agent)
    client.get("/desk/")  # the first visit stores the desk language and the view counts (cached 30 s)
    # session, user (permissions come from the cache after the first visit), the page of cases with
    # order, buyer, assignee and claim joined, their parcels, and the shops and carriers for the menus.
    with django_assert_num_queries(6):
        response = client.get("/desk/")
    assert response.status_code == 200
    assert response.content.decode().count('data-href="/desk/cases/') == count


@pytest.mark.parametrize("count", [1, 20])
def test_case_page_runs_the_same_queries_however_much_the_case_holds(
    client, agent, shop, carrier, count, django_assert_num_queries
):
    order = make_order(shop, lines=[dict(NAPKINS, sku=f"S{i}", quantity=1) for i in range(count)])
    for day in range(count):
        track(order, "in_transit", days_ago=count - day)
    case = services.claim_open(
        order=order, type=ClaimType.DAMAGED, opened_via=OpenedVia.AGENT, actor=agent
    ).case
    for n in range(count):
        case_note_add(case=case, author=agent, body=f"Notiz {n}")
    client.force_login(agent)
    client.get("/desk/")
    # session, user; the case with shop, order, buyer, assignee, claim and parcel joined;
    # then one query each for events, notes, note authors, refunds, resolutions, decisions, claim lines,
    # carrier claims, playbook steps, order lines, payments, shipments, tracking events, order notes,
    # photos; the agent's groups and refund limit; outbound and inbound e-mails, canned replies.
    with django_assert_num_queries(23) as captured:
        response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 200, captured


def test_queue_filters_by_type_and_finds_by_tracking_number(client, agent, shop, carrier):
    damaged = open_claims(shop, 2)
    [lost] = open_claims(shop, 1, claim_type=ClaimType.DELIVERED_NOT_RECEIVED)
    client.force_login(agent)

    page = client.get("/desk/?type=delivered_not_received").content.decode()
    assert lost.reference in page and damaged[0].reference not in page

    tracking = lost.order.shipments.first().tracking_number
    page = client.get(f"/desk/?q={tracking}").content.decode()
    assert lost.reference in page and damaged[1].reference not in page


def test_queue_pages_by_key_without_losing_or_repeating_cases(client, agent, shop, carrier):
    cases = open_claims(shop, 30)
    client.force_login(agent)
    first = client.get("/desk/")
    seen = set(first.context["page"].cases)
    cursor = first.context["page"].next_cursor
    assert len(seen) == 25 and cursor
    second = client.get(f"/desk/?after={cursor}")
    assert set(second.context["page"].cases).isdisjoint(seen)
    assert len(seen | set(second.context["page"].cases)) == len(cases)
    assert second.context["page"].next_cursor is None


def test_agent_applies_the_recommendation_from_the_case_page(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=4)], packed_weight_g=2400)
    case = services.claim_open(
        order=order,
        type=ClaimType.MISSING_ITEMS,
        opened_via=OpenedVia.AGENT,
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


def test_bulk_assign_puts_the_selected_cases_on_me(client, agent, shop, carrier):
    cases = open_claims(shop, 3)
    client.force_login(agent)
    client.post("/desk/bulk/", {"bulk": "assign_me", "case": [c.reference for c in cases[:2]]})
    assert set(Case.objects.filter(assignee=agent).values_list("reference", flat=True)) == {
        c.reference for c in cases[:2]
    }


def test_desk_speaks_the_language_the_agent_chose(client, agent):
    client.force_login(agent)
    client.post("/desk/me/", {"language": "sv"})
    assert "Kö" in client.get("/desk/").content.decode()


def test_dashboard_shows_loss_rates_and_exports_csv(client, owner, shop, carrier):
    open_claims(shop, 2, claim_type=ClaimType.DELIVERED_NOT_RECEIVED)
    client.force_login(owner)
    assert client.get("/desk/dashboard/").status_code == 200
    csv = client.get("/desk/dashboard/loss.csv").content.decode()
    assert csv.splitlines()[0].startswith("Carrier,Order value,Signature")
    assert "DHL" in csv


def test_agent_replies_from_the_case_page_in_the_buyers_language(client, agent, shop, carrier):
    order = make_order(shop, language="de")
    case = services.claim_open(
        order=order, type=ClaimType.DAMAGED, opened_via=OpenedVia.AGENT, decide=False
    ).case
    client.force_login(agent)

    preview = client.post(f"/desk/cases/{case.reference}/reply/preview/", {"body": "Wir schicken Ersatz."})
    assert "Wir schicken Ersatz." in preview.content.decode()
    assert case.reference in preview.content.decode()

    client.post(
        f"/desk/cases/{case.reference}/reply/", {"body": "Wir schicken Ersatz.", "wait_for_buyer": "on"}
    )

    reply = OutboundMessage.objects.get(case=case, event=BuyerEvent.AGENT_REPLY)
    assert reply.author == agent and reply.to_email == order.buyer.email
    case.refresh_from_db()
    assert case.first_responded_at is not None
    assert case.status == CaseStatus.WAITING_ON_BUYER
    page = client.get(f"/desk/cases/{case.reference}/").content.decode()
    assert "Wir schicken Ersatz." in page


def test_dispute_case_downloads_one_evidence_pdf(client, agent, shop, carrier):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from pypdf import PdfReader

    order = make_order(shop)
    track(order, "delivered", days_ago=2, signed_by="K. Nachbar", location="Berlin")
    claim = services.claim_open(
        order=order,
        type=ClaimType.CHARGEBACK,
        opened_via=OpenedVia.API,
        dispute=services.DisputeIn(
            provider="stripe",
            reference="dp_123",
            reason="product_not_received",
            amount=Decimal("30.80"),
            respond_by=timezone.now() + timedelta(days=7),
        ),
    )
    client.force_login(agent)
    response = client.get(f"/desk/cases/{claim.case.reference}/evidence.pdf")
    assert response["Content-Type"] == "application/pdf"
    from io import BytesIO

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert order.number in text and "K. Nachbar" in text and "dp_123" in text


def _napkins_sent_back(shop):
    """A buyer's return of 2 sets of napkins (49.80 €), delivered 3 days ago, refund wanted."""
    from returns import services as returns
    from returns.eligibility import LineIn

    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    return returns.return_request(
        order=order,
        lines=[LineIn(order_line=order.lines.first(), quantity=2, reason="changed_mind")],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )


def test_agent_receives_and_inspects_a_return_from_the_case_page(client, agent, shop, carrier):
    request = _napkins_sent_back(shop)
    RefundLimit.objects.create(user=agent, amount=Decimal("100"))
    client.force_login(agent)
    line = request.lines.get()
    url = f"/desk/cases/{request.case.reference}/"

    client.post(url + "return/receive/", {f"received-{line.pk}": "2"})
    client.post(url + "return/inspect/", {f"accepted-{line.pk}": "2", f"condition-{line.pk}": "as_new"})

    request.refresh_from_db()
    assert request.status == "refunded"
    assert request.refund.amount == Decimal("49.80") - (request.return_fee or 0)
    assert OutboundMessage.objects.filter(case=request.case, event=BuyerEvent.REFUND_INITIATED).exists()
    assert (
        "49.80" in client.get(url).content.decode()
        or str(request.refund.amount) in client.get(url).content.decode()
    )


def test_dashboard_shows_what_returns_cost_per_product(client, owner, shop, carrier):
    from returns import services as returns
    from returns.eligibility import LineIn

    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    request = returns.return_request(
        order=order,
        lines=[LineIn(order_line=order.lines.first(), quantity=2, reason="too_small")],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )
    line = request.lines.get()
    returns.return_receive(rma=request.rma, lines={line.pk: 2})
    returns.return_inspect(
        rma=request.rma, lines=[returns.InspectLine(key=line.pk, accepted_quantity=2, condition="as_new")]
    )
    client.force_login(owner)

    import csv
    import io

    rows = list(csv.reader(io.StringIO(client.get("/desk/dashboard/returns_cost.csv").content.decode())))

    assert rows[1][1:] == [NAPKINS["sku"], NAPKINS["title"], "2", "49.80", "EUR"]


def test_queue_finds_a_return_by_its_rma(client, agent, shop, carrier):
    from returns import services as returns
    from returns.eligibility import LineIn

    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    request = returns.return_request(
        order=order,
        lines=[LineIn(order_line=order.lines.first(), quantity=1, reason="too_small")],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )
    other = open_claims(shop, 1)[0]
    client.force_login(agent)

    page = client.get(f"/desk/?q={request.rma}").content.decode()

    assert request.case.reference in page and other.reference not in page


def test_a_return_refund_above_the_agents_limit_waits_for_the_owner_on_the_case_page(
    client, agent, owner, shop, carrier
):

    request = _napkins_sent_back(shop)
    RefundLimit.objects.create(user=agent, amount=Decimal("20"))
    line = request.lines.get()
    url = f"/desk/cases/{request.case.reference}/"
    client.force_login(agent)
    client.post(url + "return/receive/", {f"received-{line.pk}": "2"})
    client.post(url + "return/inspect/", {f"accepted-{line.pk}": "2", f"condition-{line.pk}": "as_new"})

    request.refresh_from_db()
    assert (request.status, request.refund) == ("inspected", None)
    page = client.get(url).content.decode()
    assert "waits for an owner" in page
    assert "approve_refund" not in page  # the agent is not offered a button that would refuse them
    assert client.post(url + "return/approve_refund/", follow=True).status_code == 200
    request.refresh_from_db()
    assert request.refund is None  # still above the agent's limit

    client.force_login(owner)
    assert "approve_refund" in client.get(url).content.decode()
    client.post(url + "return/approve_refund/")

    request.refresh_from_db()
    assert request.status == "refunded"
    assert request.refund.amount == request.refund_due
    assert request.case.refunds.count() == 1
