"""The one-click rating in the feedback e-mail is recorded on the case."""

import pytest
from django.test import Client

from messaging.models import FeedbackRating
from messaging.rendering import feedback_links

pytestmark = pytest.mark.django_db


def test_one_click_records_the_rating_on_the_case(swedish_claim):
    case = swedish_claim.case
    four = next(link for link in feedback_links(case) if link["rating"] == 4)

    response = Client().get("/" + four["url"].split("/", 3)[3])

    assert response.status_code == 200
    assert FeedbackRating.objects.get(case=case).rating == 4
    assert case.events.filter(verb="feedback_rated", new="4").exists()
    assert "Tack för ditt omdöme" in response.content.decode()


def test_a_later_click_replaces_the_rating(swedish_claim):
    links = {
        link["rating"]: "/" + link["url"].split("/", 3)[3] for link in feedback_links(swedish_claim.case)
    }
    Client().get(links[2])
    Client().get(links[5])

    assert FeedbackRating.objects.get(case=swedish_claim.case).rating == 5


def test_forged_feedback_link_is_refused(swedish_claim):
    response = Client().get("/feedback/not-a-token/5/")

    assert response.status_code == 400
    assert not FeedbackRating.objects.exists()
