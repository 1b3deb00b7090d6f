"""A buyer sees their own order and nothing else: IDOR cases and signed links."""

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing

from cases.models import OpenedVia
from messaging.models import BuyerEvent, OutboundMessage
from messaging.rendering import render_message
from orders import links
from portal.access import SESSION_KEY
from tests.factories import NAPKINS, make_claim, make_order, make_return, return_line, track

from .conftest import lookup, scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_order(shop):
    """Another buyer's order in the same shop."""
    order = make_order(
        shop, email="max.muster@example.de", lines=[dict(NAPKINS, quantity=3)], tracking_number="X1"
    )
    track(order, "delivered", days_ago=2)
    return order


def link_path(order) -> str:
    return links.portal_link(order).removeprefix("http://127.0.0.1:8000").split("?")[0]


def test_the_order_page_needs_a_lookup_or_a_link_first(client, de_order):
    response = client.get(f"/portal/leinen/order/{de_order.number}/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/leinen/"


def test_another_orders_number_in_the_url_shows_nothing_of_it(client, de_order, other_order):
    scope(client, de_order)

    for page in ("", "return/", "problem/"):
        response = client.get(f"/portal/leinen/order/{other_order.number}/{page}")
        assert response.status_code == 302
        assert response["Location"] == "/portal/leinen/"


def test_an_unknown_order_number_gets_the_same_answer_as_somebody_elses(client, de_order, other_order):
    scope(client, de_order)

    foreign = client.get(f"/portal/leinen/order/{other_order.number}/")
    unknown = client.get("/portal/leinen/order/does-not-exist/")

    assert (foreign.status_code, foreign["Location"]) == (unknown.status_code, unknown["Location"])


def test_posting_a_return_on_another_order_does_nothing(client, de_order, other_order):
    scope(client, de_order)
    napkins = other_order.lines.get(sku=NAPKINS["sku"])

    response = client.post(
        f"/portal/leinen/order/{other_order.number}/return/",
        {
            f"qty_{napkins.pk}": 1,
            f"reason_{napkins.pk}": "changed_mind",
            "condition": "as_new",
            "resolution": "refund",
            "method": "drop_off",
        },
    )

    assert response.status_code == 302
    assert not other_order.return_requests.exists()


def test_the_scope_of_one_shop_does_not_open_the_same_number_in_another(
    client, de_order, swedish_shop, postnord
):
    twin = make_order(
        swedish_shop,
        number=de_order.number,
        email="anna.berg@example.de",
        carrier="postnord",
        tracking_number="SE-TWIN",
    )
    scope(client, de_order)

    response = client.get(f"/portal/linnestugan/order/{twin.number}/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/linnestugan/"


def test_one_order_at_a_time_per_shop(client, de_order, other_order):
    scope(client, de_order)

    lookup(client, other_order, other_order.number, "max.muster@example.de")

    assert client.get(f"/portal/leinen/order/{other_order.number}/").status_code == 200
    assert client.get(f"/portal/leinen/order/{de_order.number}/").status_code == 302


def test_the_label_of_another_orders_return_is_not_found(client, de_order, other_order):
    foreign = make_return(other_order, return_line(other_order, quantity=1))
    scope(client, de_order)
    base = f"/portal/leinen/order/{de_order.number}/return/{foreign.rma}/"

    assert client.get(base).status_code == 404
    assert client.get(base + "label.pdf").status_code == 404
    assert client.get(base + "qr.png").status_code == 404
    direct = client.get(f"/portal/leinen/order/{other_order.number}/return/{foreign.rma}/label.pdf")
    assert direct.status_code == 302


def test_a_case_of_another_order_is_not_shown(client, de_order, other_order):
    foreign = make_claim(other_order, opened_via=OpenedVia.PORTAL)
    scope(client, de_order)

    response = client.get(f"/portal/leinen/order/{de_order.number}/problem/{foreign.case.reference}/")

    assert response.status_code == 404


def test_a_signed_link_opens_its_order_for_this_session(client, de_order):
    response = client.get(link_path(de_order))

    assert response["Location"] == f"/portal/leinen/order/{de_order.number}/"
    assert client.session[SESSION_KEY] == {str(de_order.shop_id): de_order.pk}
    assert client.get(response["Location"]).status_code == 200


def test_the_link_for_e_mails_is_absolute_and_in_the_buyers_language(de_order):
    url = links.portal_link(de_order)

    assert url.startswith("http://127.0.0.1:8000/portal/leinen/o/")
    assert url.endswith("?lang=de")


def test_the_e_mail_link_opens_the_buyers_order_in_their_language(client, shop, carrier):
    order = make_order(shop, language="de")
    other = make_order(shop, email="someone.else@example.de")
    case = make_claim(order, opened_via=OpenedVia.PORTAL).case
    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.CLAIM_RECEIVED)

    text = render_message(message).text
    link = re.search(r"http\S+/portal/\S+", text).group(0)

    parts = urlsplit(link)
    page = client.get(f"{parts.path}?{parts.query}", follow=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert order.number in body and other.number not in body
    assert 'lang="de"' in body


def test_an_expired_link_is_refused(client, de_order, monkeypatch):
    issued = time.time() - timedelta(days=31).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    path = link_path(de_order)
    monkeypatch.undo()

    response = client.get(path + "?lang=en")

    assert response.status_code == 403
    assert "This link has expired" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_link_younger_than_thirty_days_still_works(client, de_order, monkeypatch):
    issued = time.time() - timedelta(days=29).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    path = link_path(de_order)
    monkeypatch.undo()

    assert client.get(path).status_code == 302


def test_a_tampered_link_is_refused(client, de_order, other_order):
    token = link_path(de_order).rstrip("/").rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(f'{{"o":{other_order.pk},"s":{other_order.shop_id}}}'.encode()).decode()

    for bad in (f"{forged}:{rest}", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        response = client.get(f"/portal/leinen/o/{bad}/?lang=en")
        assert response.status_code == 403
        assert "This link does not work" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_link_of_one_shop_does_not_open_in_another(client, de_order, swedish_shop):
    token = link_path(de_order).rstrip("/").rsplit("/", 1)[1]

    response = client.get(f"/portal/linnestugan/o/{token}/")

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_closing_the_order_forgets_it(client, de_order):
    scope(client, de_order)

    client.post("/portal/leinen/leave/")

    assert client.get(f"/portal/leinen/order/{de_order.number}/").status_code == 302


def test_portal_pages_are_not_cached(client, de_order):
    scope(client, de_order)

    response = client.get(f"/portal/leinen/order/{de_order.number}/")

    assert "no-store" in response["Cache-Control"]
