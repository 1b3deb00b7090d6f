"""The rollup rows of one shop over a span of its days, computed from the raw tables.

Both the incremental refresh (a few touched days) and the reconcile (all days)
use these functions, so there is one definition of every counter. Each one
mirrors the raw report it replaces: the tests hold them side by side.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncHour
from django.utils import timezone

from cases.choices import REPLACEMENTS, ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind, InvoiceReduction, Refund, RefundStatus
from claims.models import CarrierClaim, Claim, Resolution
from decisions.defaults import CURRENCY_SCALE, LARGE, SMALL, scale_for
from orders.models import Order, OrderLine, Shipment, Shop
from returns.eligibility import VOID
from returns.models import ReturnLine, ReturnRequest

from .models import CaseDay, ClaimDay, MoneyDay, ProductDay, ReasonDay, ShipmentDay, WaitingHour

# Value bands for "which parcels get lost", in EUR: the lines the default decision
# matrix draws. Other currencies get the same bands times the matrix's own factor
# (decisions.defaults.CURRENCY_SCALE: SEK and NOK ×10, so 0–500 / 500–2500 / 2500+
# SEK; DKK ×7.5). A currency missing there is taken at par with the euro (×1) until
# someone adds its factor, which then serves the matrix and this chart alike.
VALUE_BANDS = [(SMALL * 0, SMALL), (SMALL, LARGE), (LARGE, None)]
LOSS_TYPES = [ClaimType.LOST_IN_TRANSIT, ClaimType.DELIVERED_NOT_RECEIVED]
# Exchange orders ship goods the buyer already paid for: they are not sales (returns.selectors).
EXCHANGE_CHANNEL = "exchange"
MONEY = DecimalField(max_digits=16, decimal_places=2)


def value_bands(currency: str):
    """The order value bands in `currency`'s own units (see VALUE_BANDS)."""
    scale = scale_for(currency)
    return [(low * scale, high * scale if high is not None else None) for low, high in VALUE_BANDS]


def shop_zone(shop: Shop):
    try:
        return zoneinfo.ZoneInfo(shop.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def day_start(day, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


class Span:
    """The shop's days first..last (both None: every day), as a filter on any timestamp."""

    def __init__(self, shop: Shop, first=None, last=None):
        self.zone = shop_zone(shop)
        self.start = day_start(first, self.zone) if first else None
        self.end = day_start(last + timedelta(days=1), self.zone) if last else None

    def q(self, field: str) -> Q:
        condition = Q(**{f"{field}__isnull": False})
        if self.start:
            condition &= Q(**{f"{field}__gte": self.start})
        if self.end:
            condition &= Q(**{f"{field}__lt": self.end})
        return condition

    def day(self, field: str):
        return TruncDate(field, tzinfo=self.zone)


def build(shop: Shop, first=None, last=None) -> dict:
    """{rollup model: [unsaved rows]} for `shop` on its days first..last (None, None: all)."""
    span = Span(shop, first, last)
    return {
        ProductDay: _products(shop, span),
        ReasonDay: _reasons(shop, span),
        ShipmentDay: _shipments(shop, span),
        ClaimDay: _claims(shop, span),
        CaseDay: _cases(shop, span),
        WaitingHour: _waiting(shop, span),
        MoneyDay: _money(shop, span),
    }


def _sales(shop: Shop, span: Span):
    return Order.objects.filter(span.q("placed_at"), shop=shop, cancelled_at__isnull=True).exclude(
        sales_channel=EXCHANGE_CHANNEL
    )


def _returned_lines(shop: Shop, span: Span):
    # Once the parcel was opened, what arrived is what came back; before, what was announced.
    units = SqlCase(
        When(request__received_at__isnull=False, then=F("received_quantity")),
        default=F("quantity"),
        output_field=IntegerField(),
    )
    lines = ReturnLine.objects.filter(order_line__order__in=_sales(shop, span)).exclude(
        request__in=ReturnRequest.objects.filter(VOID).values("pk")
    )
    return lines.annotate(day=span.day("order_line__order__placed_at"), units=units)


def _products(shop: Shop, span: Span) -> list[ProductDay]:
    rows: dict = {}

    def row(day, sku, currency, title) -> ProductDay:
        found = rows.get((day, sku, currency))
        if found is None:
            found = rows[(day, sku, currency)] = ProductDay(
                shop=shop, day=day, sku=sku, currency=currency, title=title or ""
            )
        found.title = max(found.title, title or "")
        return found

    sold = (
        OrderLine.objects.filter(order__in=_sales(shop, span))
        .annotate(day=span.day("order__placed_at"))
        .values("day", "sku", "order__currency")
        .annotate(units=Sum("quantity"), title=Max("title"))
    )
    for found in sold:
        row(found["day"], found["sku"], found["order__currency"], found["title"]).sold_units = found["units"]
    returned = (
        _returned_lines(shop, span)
        .values("day", "order_line__sku", "order_line__order__currency")
        .annotate(total=Sum("units"), title=Max("order_line__title"))
    )
    for found in returned:
        key = (found["day"], found["order_line__sku"], found["order_line__order__currency"])
        row(*key, found["title"]).returned_units = found["total"] or 0
    value = ExpressionWrapper(F("accepted_quantity") * F("order_line__unit_price"), output_field=MONEY)
    refunded = (
        ReturnLine.objects.filter(
            span.q("request__created_at"), request__order__shop=shop, accepted_quantity__gt=0
        )
        .exclude(
            # An unpaid order's return only took the goods off the buyer's invoice: no money moved.
            request__refund__isnull=True,
            request__case__in=InvoiceReduction.objects.values("case"),
        )
        .annotate(day=span.day("request__created_at"))
        .values("day", "order_line__sku", "order_line__order__currency")
        .annotate(units=Sum("accepted_quantity"), value=Sum(value), title=Max("order_line__title"))
    )
    for found in refunded:
        key = (found["day"], found["order_line__sku"], found["order_line__order__currency"])
        one = row(*key, found["title"])
        one.refunded_units, one.refunded_value = found["units"], found["value"]
    return list(rows.values())


def _reasons(shop: Shop, span: Span) -> list[ReasonDay]:
    grouped = _returned_lines(shop, span).values("day", "reason").annotate(total=Sum("units"))
    return [
        ReasonDay(shop=shop, day=row["day"], reason=row["reason"], returned_units=row["total"] or 0)
        for row in grouped
    ]


def _band() -> SqlCase:
    whens = []
    for index in range(len(VALUE_BANDS)):
        for currency in CURRENCY_SCALE:
            whens.append(
                When(Q(order__currency=currency) & _in_band(value_bands(currency)[index]), then=index)
            )
        whens.append(
            When(~Q(order__currency__in=list(CURRENCY_SCALE)) & _in_band(VALUE_BANDS[index]), then=index)
        )
    return SqlCase(*whens, default=None, output_field=IntegerField())


def _in_band(band) -> Q:
    low, high = band
    return Q(order__total__gte=low) & (Q(order__total__lt=high) if high is not None else Q())


def _shipments(shop: Shop, span: Span) -> list[ShipmentDay]:
    lost = Exists(Claim.objects.filter(shipment=OuterRef("pk"), type__in=LOSS_TYPES))
    grouped = (
        Shipment.objects.filter(span.q("order__placed_at"), order__shop=shop)
        .annotate(day=span.day("order__placed_at"), band=_band(), is_lost=lost)
        .filter(band__isnull=False)
        .values("day", "carrier_id", "order__currency", "band", "signature_required")
        .annotate(shipped=Count("id"), lost=Count("id", filter=Q(is_lost=True)))
    )
    return [
        ShipmentDay(
            shop=shop,
            day=row["day"],
            carrier_id=row["carrier_id"],
            currency=row["order__currency"],
            band=row["band"],
            signature=row["signature_required"],
            shipped=row["shipped"],
            lost=row["lost"],
        )
        for row in grouped
    ]


def _claims(shop: Shop, span: Span) -> list[ClaimDay]:
    grouped = (
        Case.objects.filter(
            span.q("opened_at"), shop=shop, kind=CaseKind.CLAIM, claim__shipment__isnull=False
        )
        .annotate(day=span.day("opened_at"))
        .values("day", "claim__shipment__carrier_id", "claim__type", "currency")
        .annotate(n=Count("id"), cost=Sum("cost_total"))
    )
    return [
        ClaimDay(
            shop=shop,
            day=row["day"],
            carrier_id=row["claim__shipment__carrier_id"],
            claim_type=row["claim__type"],
            currency=row["currency"],
            claims=row["n"],
            cost=row["cost"] or 0,
        )
        for row in grouped
    ]


def _cases(shop: Shop, span: Span) -> list[CaseDay]:
    rows: dict = {}

    def row(found) -> CaseDay:
        key = (found["day"], found["kind"], found["type"] or "")
        if key not in rows:
            rows[key] = CaseDay(shop=shop, day=key[0], kind=key[1], claim_type=key[2])
        return rows[key]

    cases = Case.objects.filter(shop=shop).annotate(type=F("claim__type"))
    opened = (
        cases.filter(span.q("opened_at"))
        .annotate(day=span.day("opened_at"))
        .values("day", "kind", "type")
        .annotate(
            n=Count("id"),
            still_open=Count("id", filter=Q(status__in=list(OPEN_STATUSES))),
            late=Count(
                "id",
                filter=Q(first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due")),
            ),
        )
    )
    for found in opened:
        one = row(found)
        one.opened, one.still_open, one.answered_late = found["n"], found["still_open"], found["late"]
    took = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
    resolved = (
        cases.filter(span.q("resolved_at"))
        .annotate(day=span.day("resolved_at"))
        .values("day", "kind", "type")
        .annotate(n=Count("id"), took=Sum(took))
    )
    for found in resolved:
        one = row(found)
        one.resolved = found["n"]
        one.resolution_hours = found["took"].total_seconds() / 3600 if found["took"] else 0.0
    return list(rows.values())


def _waiting(shop: Shop, span: Span) -> list[WaitingHour]:
    grouped = (
        Case.objects.filter(
            span.q("opened_at"), shop=shop, first_responded_at__isnull=True, first_response_due__isnull=False
        )
        .annotate(day=span.day("opened_at"), due_hour=TruncHour("first_response_due", tzinfo=UTC))
        .values("day", "due_hour")
        .annotate(n=Count("id"))
    )
    return [
        WaitingHour(shop=shop, day=row["day"], due_hour=row["due_hour"], waiting=row["n"]) for row in grouped
    ]


def _money(shop: Shop, span: Span) -> list[MoneyDay]:
    reship_cost = ExpressionWrapper(F("goods_cost") + F("shipping_cost"), output_field=MONEY)
    sources = [
        (
            "refunded",
            Refund.objects.filter(span.q("created_at"), order__shop=shop).exclude(status=RefundStatus.FAILED),
            "created_at",
            "currency",
            Sum("amount"),
        ),
        (
            "reshipped",
            Resolution.objects.filter(span.q("created_at"), case__shop=shop, action__in=REPLACEMENTS),
            "created_at",
            "case__currency",
            Sum(reship_cost),
        ),
        (
            "recovered",
            CarrierClaim.objects.filter(span.q("created_at"), claim__case__shop=shop),
            "created_at",
            "claim__case__currency",
            Sum("recovered_amount"),
        ),
        # Lost chargebacks: the amount the provider took back and its fee, on the day it was decided.
        (
            "chargebacks",
            Claim.objects.filter(span.q("dispute_settled_at"), case__shop=shop, dispute_cost__gt=0),
            "dispute_settled_at",
            "case__currency",
            Sum("dispute_cost"),
        ),
    ]
    rows: dict = {}
    for field, queryset, when, currency, amount in sources:
        grouped = (
            queryset.annotate(day=span.day(when))
            .values("day", currency)
            .annotate(s=Coalesce(amount, Value(0), output_field=MONEY))
        )
        for found in grouped:
            key = (found["day"], found[currency] or "")
            one = rows.setdefault(key, MoneyDay(shop=shop, day=key[0], currency=key[1]))
            setattr(one, field, found["s"])
    return list(rows.values())
