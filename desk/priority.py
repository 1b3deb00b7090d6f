"""How urgent a case is: a number 0-100 the queue sorts on.

What makes a case urgent, in the order agents weigh it: the owner was asked
to decide (escalated), the buyer needs the goods by a date (a wedding, seed
002 #2), a dispute must be answered by a deadline, the first answer is late or
nearly so, and the money at stake.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

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


def case_priority(case, *, now: datetime | None = None) -> int:
    now = now or timezone.now()
    score = 0
    if case.status == "escalated":
        score += 30
    if case.needed_by:
        days = (case.needed_by - timezone.localdate(now)).days
        if days <= 3:
            score += 30
        elif days <= 7:
            score += 22
        elif days <= 14:
            score += 12
    if case.first_responded_at is None and case.first_response_due:
        hours_left = (case.first_response_due - now).total_seconds() / 3600
        if hours_left <= 0:
            score += 25
        elif hours_left <= 4:
            score += 15
        elif hours_left <= 12:
            score += 5
    euros = (case.order_value or Decimal("0")) * EURO_PER_UNIT.get(case.currency, Decimal("1"))
    if euros >= 1000:
        score += 15
    elif euros >= 250:
        score += 10
    elif euros >= 100:
        score += 5
    return min(score, 100)
