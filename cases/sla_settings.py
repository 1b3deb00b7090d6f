"""Owners' writes to their shop's SLA: targets per case type, opening hours, closed days.

Each write checks its input (a 400 naming the field), changes nothing when it is refused, and
after the commit measures the shop's open cases again (`sla.sla_changed`).
"""

from __future__ import annotations

import logging
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Shop

from . import sla
from .models import SLA_CASE_TYPES, ClosedDay, OpeningHours, SlaPolicy

logger = logging.getLogger("postsale.sla")

# A year of business hours is far more than any shop promises; beyond it is a typing mistake.
MAX_HOURS = 2000


def _hours(value, field: str, *, required: bool) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        if required:
            raise ValidationError({field: [_("Enter a number of business hours.")]})
        return None
    try:
        hours = int(text)
    except ValueError:
        raise ValidationError({field: [_("Enter whole hours, e.g. 8.")]}) from None
    if not 1 <= hours <= MAX_HOURS:
        raise ValidationError({field: [_("Between 1 and %(max)s hours.") % {"max": MAX_HOURS}]})
    return hours


def _by(user) -> str:
    return user.get_username() if user else "the system"


@transaction.atomic
def sla_policy_set(
    *, shop: Shop, case_type: str, first_response_hours, resolution_hours=None, by=None
) -> SlaPolicy:
    """The targets for one type of case ("": every type without its own), replacing the ones before."""
    if case_type not in dict(SLA_CASE_TYPES):
        raise ValidationError({"case_type": [_("Unknown case type %(value)s.") % {"value": repr(case_type)}]})
    first = _hours(first_response_hours, "first_response_hours", required=True)
    resolution = _hours(resolution_hours, "resolution_hours", required=False)
    policy, _created = SlaPolicy.objects.update_or_create(
        shop=shop,
        case_type=case_type,
        defaults={"first_response_hours": first, "resolution_hours": resolution},
    )
    logger.info(
        "SLA of %s for %r set to %s h / %s h by %s",
        shop.slug,
        case_type or "every case",
        first,
        resolution,
        _by(by),
    )
    sla.sla_changed(shop)
    return policy


@transaction.atomic
def sla_policy_remove(*, shop: Shop, case_type: str, by=None) -> bool:
    """The type goes back to the shop's default targets (or, for the default, to the installation's)."""
    deleted, _rows = SlaPolicy.objects.filter(shop=shop, case_type=case_type).delete()
    if deleted:
        logger.info("SLA of %s for %r removed by %s", shop.slug, case_type or "every case", _by(by))
        sla.sla_changed(shop)
    return bool(deleted)


@transaction.atomic
def opening_hours_set(*, shop: Shop, hours: dict[int, tuple[time | None, time | None]], by=None) -> None:
    """One working period per weekday (0 Monday … 6 Sunday; none: closed), replacing the week before.

    The admin keeps days with a break (several rows a day); this form writes the simple week.
    """
    errors = {}
    rows = []
    for weekday in range(7):
        opens, closes = hours.get(weekday, (None, None))
        if opens is None and closes is None:
            continue
        if opens is None or closes is None or closes <= opens:
            errors[f"closes_{weekday}"] = [_("Give both times, the closing one after the opening one.")]
            continue
        rows.append(OpeningHours(shop=shop, weekday=weekday, opens=opens, closes=closes))
    if errors:
        raise ValidationError(errors)
    OpeningHours.objects.filter(shop=shop).delete()
    OpeningHours.objects.bulk_create(rows)
    logger.info("opening hours of %s set (%s days) by %s", shop.slug, len(rows), _by(by))
    sla.sla_changed(shop)


@transaction.atomic
def closed_day_add(*, shop: Shop, day: date | None, name: str = "", by=None) -> ClosedDay:
    if day is None:
        raise ValidationError({"date": [_("Enter a date.")]})
    closed, _created = ClosedDay.objects.update_or_create(
        shop=shop, date=day, defaults={"name": name.strip()[:80]}
    )
    logger.info("%s closed on %s by %s", shop.slug, day, _by(by))
    sla.sla_changed(shop)
    return closed


@transaction.atomic
def closed_day_remove(*, shop: Shop, day: date | None, by=None) -> bool:
    deleted, _rows = ClosedDay.objects.filter(shop=shop, date=day).delete()
    if deleted:
        logger.info("%s open again on %s by %s", shop.slug, day, _by(by))
        sla.sla_changed(shop)
    return bool(deleted)
