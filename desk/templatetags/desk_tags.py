import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext

from cases.verbs import Reason, reason_sentence
from decisions.public import reason_for_reader
from desk.timeline import label
from returns.eligibility import EXCEPTION_LABELS

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def grams(value):
    """1234 -> "1.23 kg" ("1,23 kg" in German and Swedish), 850 -> "850 g": how a person reads a parcel scale."""
    if value is None or value == "":
        return "–"
    value = int(value)
    return f"{formats.number_format(value / 1000, 2)} kg" if value >= 1000 else f"{value} g"


@register.filter
def action_label(value):
    """A decision's or resolution's action code in words: "reship" -> "Ersatzlieferung"."""
    return label("action", value)


@register.filter
def email_event_label(value):
    """An e-mail event code in words: "claim_received" -> "Reklamation erhalten"."""
    return label("email_event", value)


@register.filter
def decision_reason(decision):
    """Why the matrix recommended what it did: its rule's reason as the owner wrote it, or that none matched."""
    if decision.rule_position is None:
        return reason_sentence(Reason.NO_RULE_MATCHED)
    return reason_for_reader(decision.reason)


@register.filter
def reader_reason(reason):
    """A reason as stored (a default rule's in the shop's language) in the reader's language."""
    return reason_for_reader(reason or "")


@register.filter
def payment_method_labels(methods):
    """Payment method codes stored with the evidence, in words, one list: "Rechnung, Verrechnungsscheck"."""
    return ", ".join(label("payment_method", method) for method in methods or ())


@register.filter
def bar_value(row, chart):
    return row[chart.value_column] or 0


@register.filter
def bar_width(value, maximum):
    # A string, so the template's number localisation cannot turn 42.5 into "42,5" inside SVG.
    try:
        return f"{100 * float(value) / float(maximum):.1f}"
    except (TypeError, ValueError, ZeroDivisionError):
        return "0"


@register.filter
def isodatetime(value):
    """An ISO timestamp from stored evidence, shown in the reader's time zone and format."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return value or "–"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@register.filter
def in_shop_time(moment, shop):
    """A moment as the shop's clock shows it, with its zone: the queue mixes shops of several zones."""
    if not moment:
        return ""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(shop.time_zone))
    return f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} {local:%Z}"


@register.filter
def due_in(moment):
    """Time left until a deadline, short: "5 h 20 min", "3 days"; negative when it has passed.

    Django's `timeuntil` spells out every unit and costs a dozen translations a
    call; the queue shows one of these per row.
    """
    if not moment:
        return ""
    return _span((moment - timezone.now()).total_seconds())


@register.filter
def age(moment):
    """How long ago, in one unit ("12 min", "5 h", "3 days"): the queue's age and last-message columns."""
    if not moment:
        return ""
    minutes = max(0, int((timezone.now() - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    days = minutes // (24 * 60)
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


@register.filter
def duration(value):
    """A time span (a timedelta) as `due_in` writes it: "5 h 20 min", "3 days"; empty for none."""
    if value is None or value == "":
        return ""
    return _span(value.total_seconds())


def _span(seconds: float) -> str:
    sign = "−" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        days = hours // 24
        return sign + ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
    return f"{sign}{hours} h {minutes:02d} min"


@register.filter
def policy_exceptions(exceptions):
    """Why a return is outside the policy, in the reader's language ("made to the buyer's wishes; …").

    The return stores each exception's code next to an English message for the API; people
    read the code's label here.
    """
    return "; ".join(
        str(EXCEPTION_LABELS.get(item.get("code"), item.get("message", "")))
        if isinstance(item, dict)
        else str(item)
        for item in exceptions or []
    )


@register.filter
def days_left(carrier_claim):
    """Days until a carrier claim's deadline, in the shop's today: 0 on the day, negative once passed."""
    if carrier_claim.deadline is None:
        return None
    shop = carrier_claim.claim.case.shop
    return carrier_claim.days_left(timezone.localdate(timezone=zoneinfo.ZoneInfo(shop.time_zone)))


@register.filter
def negate(value):
    return -value
