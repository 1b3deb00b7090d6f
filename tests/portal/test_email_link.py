"""The link in every buyer e-mail opens that buyer's order in the portal, and only that one."""

import re
from urllib.parse import urlsplit

import pytest

from cases.models import OpenedVia
from messaging.models import BuyerEvent, OutboundMessage
from messaging.rendering import render_message
from tests.factories import make_claim, make_order

pytestmark = pytest.mark.django_db


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
