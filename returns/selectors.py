"""Reads of returns shared by the API, the policy page, labels and the portal."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Max, Prefetch, QuerySet, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders import tenancy
from orders.models import Order, OrderLine, Shop

from .eligibility import VOID
from .models import ReturnLine, ReturnMethod, ReturnPolicy, ReturnReason, ReturnRequest

# Exchange orders ship goods the buyer already paid for: they are not sales.
EXCHANGE_CHANNEL = "exchange"


def returns_detail() -> QuerySet[ReturnRequest]:
    # Two queries: the return with case, order, shop, buyer and refund; its lines with their order lines.
    return ReturnRequest.objects.select_related(
        "case", "order__shop", "order__buyer", "refund", "exchange_order", "carrier"
    ).prefetch_related(
        Prefetch(
            "lines", queryset=ReturnLine.objects.select_related("order_line").order_by("order_line__position")
        )
    )


def return_by_rma(rma: str, *, user=None) -> ReturnRequest | None:
    """The return with this RMA; with `user`, only within their shops (another shop's is None)."""
    found = returns_detail().filter(rma=rma)
    return (tenancy.in_shops(found, user) if user is not None else found).first()


def returns_for_order(order: Order) -> list[ReturnRequest]:
    return list(returns_detail().filter(order=order).order_by("created_at", "id"))


def policy_or_default(shop: Shop) -> ReturnPolicy:
    """The shop's policy for reading; an unsaved one with the defaults if the owner never set one."""
    return ReturnPolicy.objects.filter(shop=shop).first() or ReturnPolicy(shop=shop)


def packing_steps(policy: ReturnPolicy, *, language: str | None = None, method: str = "") -> list[str]:
    """The packing instructions step by step: the shop's own text, else ours."""
    language = language or translation.get_language() or "en"
    own = getattr(policy, f"packing_instructions_{language[:2]}", "") or policy.packing_instructions_en
    if own.strip():
        return [line.strip() for line in own.strip().splitlines() if line.strip()]
    with translation.override(language):
        steps = [
            _("Put the items in their original packaging if you still have it, with all parts and tags."),
            _("Wrap fragile items and fill empty space so that nothing moves in the box."),
            _("Put a note with your return number (RMA) inside the parcel."),
            _("Seal the parcel well and cover or remove old labels and barcodes."),
        ]
        if method == ReturnMethod.PICKUP:
            steps.append(
                _("Stick the return label on the largest side and have the parcel ready for the driver.")
            )
        else:
            # Not "or show the QR code": only a carrier's code is taken at a counter (the label e-mail says so).
            steps.append(_("Stick the return label on the largest side."))
    return steps


def _zone(shop: Shop):
    try:
        return zoneinfo.ZoneInfo(shop.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _rate(returned: int, sold: int) -> float | None:
    return round(returned / sold, 4) if sold else None


def return_rates(*, shop: Shop, date_from: date, date_to: date) -> dict:
    """Returned units over sold units, by product, by reason and by month.

    Counted by when the order was placed (a cohort): of the units sold in
    March, how many came back, whenever they came. Returns that expired or were
    refused before anything arrived do not count; a return on its way does.
    Five queries whatever the number of orders.
    """
    zone = _zone(shop)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    orders = Order.objects.filter(
        shop=shop, placed_at__gte=start, placed_at__lt=end, cancelled_at__isnull=True
    )
    orders = orders.exclude(sales_channel=EXCHANGE_CHANNEL)
    sold = OrderLine.objects.filter(order__in=orders)
    returned = ReturnLine.objects.filter(order_line__order__in=orders).exclude(
        request__in=ReturnRequest.objects.filter(VOID).values("pk")
    )
    # Once the parcel was opened, what arrived is what came back; before, what was announced.
    units = Case(
        When(request__received_at__isnull=False, then=F("received_quantity")),
        default=F("quantity"),
        output_field=IntegerField(),
    )

    sold_by_sku = {
        row["sku"]: row for row in sold.values("sku").annotate(units=Sum("quantity"), title=Max("title"))
    }
    returned_by_sku = {
        row["order_line__sku"]: row["units"]
        for row in returned.values("order_line__sku").annotate(units=Sum(units))
    }
    by_reason = {row["reason"]: row["units"] for row in returned.values("reason").annotate(units=Sum(units))}
    sold_by_month = {
        row["month"]: row["units"]
        for row in sold.annotate(month=TruncMonth("order__placed_at", tzinfo=zone))
        .values("month")
        .annotate(units=Sum("quantity"))
    }
    returned_by_month = {
        row["month"]: row["units"]
        for row in returned.annotate(month=TruncMonth("order_line__order__placed_at", tzinfo=zone))
        .values("month")
        .annotate(units=Sum(units))
    }

    sold_total = sum(row["units"] for row in sold_by_sku.values())
    returned_total = sum(returned_by_sku.values())
    products = [
        {
            "sku": sku,
            "title": row["title"],
            "sold": row["units"],
            "returned": returned_by_sku.get(sku, 0),
            "rate": _rate(returned_by_sku.get(sku, 0), row["units"]),
        }
        for sku, row in sold_by_sku.items()
    ]
    products.sort(key=lambda p: (-(p["rate"] or 0), -p["returned"], p["sku"]))
    reasons = [
        {
            "reason": reason,
            "label": str(label),
            "returned": by_reason.get(reason, 0),
            "share": _rate(by_reason.get(reason, 0), returned_total),
            "rate": _rate(by_reason.get(reason, 0), sold_total),
        }
        for reason, label in ReturnReason.choices
    ]
    months = [
        {
            "month": _month_key(month),
            "sold": sold_units,
            "returned": returned_by_month.get(month, 0),
            "rate": _rate(returned_by_month.get(month, 0), sold_units),
        }
        for month, sold_units in sorted(sold_by_month.items(), key=lambda item: _month_key(item[0]))
    ]
    return {
        "shop": shop.slug,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "sold_units": sold_total,
        "returned_units": returned_total,
        "rate": _rate(returned_total, sold_total),
        "by_product": products,
        "by_reason": reasons,
        "by_month": months,
    }


def _month_key(value) -> str:
    return f"{value:%Y-%m}" if value else ""


def refund_breakdown(request: ReturnRequest) -> dict:
    """The money side of a decided return, as strings for e-mails and the API."""
    amount = request.refund.amount if request.refund else Decimal("0")
    return {
        "goods": str(request.goods_value or Decimal("0")),
        "restocking_fee": str(request.restocking_fee or Decimal("0")),
        "return_fee": str(request.return_fee or Decimal("0")),
        "amount": str(amount),
        "currency": request.order.currency,
        "expected_date": request.refund.expected_arrival.isoformat()
        if request.refund and request.refund.expected_arrival
        else None,
    }
