"""The buyer rates how we handled their case, with one click in the feedback e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.models import Case
from cases.services import case_lock
from cases.verbs import Verb

from ..models import COMMENT_CHARS, FeedbackRating
from ..rendering import FEEDBACK_SALT


def feedback_case(*, token: str, rating: int) -> Case:
    """The case a feedback link (token and rating) is for; ValidationError when it is not valid."""
    if rating not in range(1, 6):
        raise ValidationError({"rating": ["A rating is between 1 and 5."]})
    try:
        case_id = signing.loads(token, salt=FEEDBACK_SALT, max_age=timedelta(days=90))
    except signing.BadSignature as exc:
        raise ValidationError({"token": ["This feedback link is not valid or has expired."]}) from exc
    case = Case.objects.select_related("shop", "buyer").filter(pk=case_id).first()
    if case is None:
        raise ValidationError({"token": ["This feedback link is not valid or has expired."]})
    return case


@transaction.atomic
def feedback_record(*, token: str, rating: int, comment: str | None = None) -> FeedbackRating:
    """Record a rating from the feedback e-mail; a later one replaces an earlier one.

    `comment` is what the buyer wrote on the thank-you page (None: the click alone,
    which keeps a comment written before).
    """
    case = feedback_case(token=token, rating=rating)
    defaults = {"rating": rating}
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_CHARS:
            raise ValidationError(
                {"comment": [_("Please keep it under %(count)s characters.") % {"count": COMMENT_CHARS}]}
            )
        defaults["comment"] = comment
    case = case_lock(case)
    feedback, created = FeedbackRating.objects.update_or_create(case=case, defaults=defaults)
    case_event(case, Verb.FEEDBACK_RATED, new=str(rating), rating=rating, changed=not created)
    return feedback
