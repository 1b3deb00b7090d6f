"""How urgent a case is: a number 0-100 the queue sorts on.

What makes a case urgent, in the order agents weigh it: the owner was asked
to decide (escalated), the buyer needs the goods by a date (a wedding, seed
002 #2), a dispute must be answered by a deadline, the first answer is late or
nearly so, and the money at stake.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Rough value of one unit of each currency in euros, only to compare order
# values across shops for urgency; never used for money.
EURO_PER_UNIT = {
    "EUR": Decimal("1"),
    "SEK": Decimal("0.087"),
    "NOK": Decimal("0.085"),
    "DKK": Decimal("0.134"),
    "CHF": Decimal("1.05"),
    "GBP": Decimal("1.17"),
    "USD": Decimal("0.92"),
}

# A needed-by date this many days past still counts as urgent (the buyer may
# still want the goods); after that it no longer raises the priority.
NEEDED_BY_GRACE_DAYS = 3

# A dispute with its deadline this close outranks any case without a date or an escalation: the
# most those score is 40 (a first answer overdue, 25, on an order of 1,000 EUR or more, 15).
# A dispute not answered in time is lost with its money and the provider's fee.
RESPOND_BY_HOURS = 72
RESPOND_BY_POINTS = 45
RESPOND_BY_LAST_DAY_POINTS = 55


def case_priority(case, *, now: datetime | None = None) -> int:
    return min(sum(points for points, _code in _scores(case, now or timezone.now())), 100)


def _scores(case, now: datetime) -> list[tuple[int, str]]:
    """What raises the case's priority, as (points, code); codes, so the batch recomputation builds no text."""
    scores = []
    if case.status == "escalated":
        scores.append((30, "escalated"))
    needed = _needed_by_points(case, now)
    if needed:
        scores.append((needed, "needed_by"))
    respond = _respond_by_points(case, now)
    if respond:
        scores.append((respond, "respond_by"))
    if case.first_responded_at is None and case.first_response_due:
        hours_left = (case.first_response_due - now).total_seconds() / 3600
        if hours_left <= 0:
            scores.append((25, "answer_overdue"))
        elif hours_left <= 4:
            scores.append((15, "answer_4h"))
        elif hours_left <= 12:
            scores.append((5, "answer_12h"))
    euros = (case.order_value or Decimal("0")) * EURO_PER_UNIT.get(case.currency, Decimal("1"))
    for threshold, points in ((1000, 15), (250, 10), (100, 5)):
        if euros >= threshold:
            scores.append((points, f"value_{threshold}"))
            break
    return scores


def priority_reasons(case, *, now: datetime | None = None) -> list[tuple[int, str]]:
    """Why the case has its priority, as (points, words for the agent): the case page explains the number."""
    words = {
        "escalated": _("waiting for the owner"),
        "respond_by": _("the payment provider must have an answer soon"),
        "answer_overdue": _("the first answer is overdue"),
        "answer_4h": _("the first answer is due within 4 hours"),
        "answer_12h": _("the first answer is due within 12 hours"),
        "value_1000": _("an order worth 1,000 EUR or more"),
        "value_250": _("an order worth 250 EUR or more"),
        "value_100": _("an order worth 100 EUR or more"),
    }
    reasons = []
    for points, code in _scores(case, now or timezone.now()):
        if code == "needed_by":
            text = _("the buyer needs the goods by %(date)s") % {"date": date_format(case.needed_by)}
        else:
            text = words[code]
        reasons.append((points, text))
    return reasons


def _needed_by_points(case, now: datetime) -> int:
    if not case.needed_by:
        return 0
    days = (case.needed_by - timezone.localdate(now)).days
    if days < -NEEDED_BY_GRACE_DAYS:
        return 0  # long gone: hurrying now no longer gets the goods there in time
    if days <= 3:
        return 30
    if days <= 7:
        return 22
    if days <= 14:
        return 12
    return 0


def _respond_by_points(case, now: datetime) -> int:
    if not case.respond_by:
        return 0
    hours_left = (case.respond_by - now).total_seconds() / 3600
    if hours_left <= 0:
        return 0  # the provider no longer takes an answer: hurrying changes nothing
    if hours_left <= 24:
        return RESPOND_BY_LAST_DAY_POINTS
    if hours_left <= RESPOND_BY_HOURS:
        return RESPOND_BY_POINTS
    return 0
