"""A buyer's one click on a star in the feedback e-mail records the rating, in a real browser."""

import pytest
from django.db import transaction

from messaging.models import FeedbackRating
from messaging.rendering import feedback_links
from tests.factories import make_claim, make_order

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_one_click_on_a_star_records_it(live_server, phone, shop, carrier):
    order = make_order(shop, email="karin.lind@example.se", language="sv")
    with transaction.atomic():
        case = make_claim(order, "lost_in_transit", opened_via="portal").case
    four = next(link for link in feedback_links(case) if link["rating"] == 4)

    phone.goto(live_server.url + "/" + four["url"].split("/", 3)[3])

    phone.wait_for_selector("text=Tack för ditt omdöme")
    assert FeedbackRating.objects.get(case=case).rating == 4
