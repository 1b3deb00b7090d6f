"""The one-click rating in the feedback e-mail is recorded on the case."""

import pytest
from django.test import Client

from messaging.models import FeedbackRating
from messaging.rendering import feedback_links

pytestmark = pytest.mark.django_db


def _links(case):
    return {link["rating"]: "/" + link["url"].split("/", 3)[3] for link in feedback_links(case)}


def test_the_link_opens_a_page_that_sends_the_rating(swedish_claim):
    case = swedish_claim.case
    browser = Client()

    page = browser.get(_links(case)[4])
    sent = browser.post(_links(case)[4])

    assert page.status_code == 200
    # The page's script (a static file: the Content-Security-Policy refuses inline ones) sends the form.
    assert 'id="feedback-form"' in page.content.decode() and "/static/feedback.js" in page.content.decode()
    assert sent.status_code == 200
    assert FeedbackRating.objects.get(case=case).rating == 4
    assert case.events.filter(verb="feedback_rated", new="4").exists()
    assert "Tack för ditt omdöme" in sent.content.decode()


def test_a_mail_scanner_opening_every_star_records_nothing(swedish_claim):
    scanner = Client()
    for link in _links(swedish_claim.case).values():
        assert scanner.get(link).status_code == 200

    assert not FeedbackRating.objects.exists()


def test_a_later_rating_replaces_the_earlier(swedish_claim):
    links = _links(swedish_claim.case)
    Client().post(links[2])
    Client().post(links[5])

    assert FeedbackRating.objects.get(case=swedish_claim.case).rating == 5


def test_forged_feedback_link_is_refused(swedish_claim):
    response = Client().get("/feedback/not-a-token/5/")

    assert response.status_code == 400
    assert not FeedbackRating.objects.exists()


def test_the_buyer_may_add_a_few_words_after_the_rating(swedish_claim):
    link = _links(swedish_claim.case)[2]
    browser = Client()
    thanks = browser.post(link).content.decode()
    assert 'id="feedback-comment"' in thanks

    browser.post(link, {"comment": "  Det tog en vecka innan någon svarade.  "})
    Client().post(link)  # the rating clicked again later keeps the words

    feedback = FeedbackRating.objects.get(case=swedish_claim.case)
    assert (feedback.rating, feedback.comment) == (2, "Det tog en vecka innan någon svarade.")


def test_a_comment_too_long_is_refused_and_the_rating_kept(swedish_claim):
    link = _links(swedish_claim.case)[3]
    Client().post(link)

    response = Client().post(link, {"comment": "x" * 2001})

    assert response.status_code == 400 and "2000" in response.content.decode()
    assert FeedbackRating.objects.get(case=swedish_claim.case).comment == ""
