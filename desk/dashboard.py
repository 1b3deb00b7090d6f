"""What the owner reads on the dashboard: where cases pile up and what they cost.

Each chart is a table (columns and rows) so the page draws it as bars and the
same data downloads as CSV. Aggregation happens in the database.

Money is never added across currencies (one shop sells in EUR, another in
SEK): every money figure is summed per currency, and its row says which.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType
from cases.models import OPEN_STATUSES, Case, CaseKind, Refund, RefundStatus
from claims.models import CarrierClaim, Resolution
from decisions.defaults import CURRENCY_SCALE, LARGE, SMALL, scale_for
from orders.models import Shipment, Shop
from returns import selectors as return_selectors
from returns.models import ReturnLine

AGE_BUCKETS = [(1, _("under 1 day")), (3, _("1–3 days")), (7, _("3–7 days")), (None, _("over 7 days"))]
# Value bands for "which parcels get lost", in EUR: the lines the default decision
# matrix draws (seed 002 #3). Other currencies get the same bands times the
# matrix's own factor (decisions.defaults.CURRENCY_SCALE: SEK and NOK ×10, so
# 0–500 / 500–2500 / 2500+ SEK; DKK ×7.5). A currency missing there is taken at
# par with the euro (×1) until someone adds its factor, which then serves the
# matrix and this chart alike.
VALUE_BANDS = [(Decimal("0"), SMALL), (SMALL, LARGE), (LARGE, None)]
CENT = Decimal("0.01")
LOSS_TYPES = [ClaimType.LOST_IN_TRANSIT, ClaimType.DELIVERED_NOT_RECEIVED]


@dataclass
class Chart:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    # Which column the bars are drawn from.
    value_column: int = -1
    # Rows with different values here are drawn to their own scale: bars of
    # SEK amounts next to EUR amounts would say nothing.
    scale_column: int | None = None

    @property
    def max_value(self) -> float:
        values = [float(row[self.value_column] or 0) for row in self.rows]
        return max(values, default=0) or 1

    @property
    def bars(self) -> list[tuple[list, object, str]]:
        """(row, value, bar width in % as a string) per row, each row scaled within its group."""
        group = (lambda row: row[self.scale_column]) if self.scale_column is not None else (lambda row: None)
        largest: dict = {}
        for row in self.rows:
            value = float(row[self.value_column] or 0)
            largest[group(row)] = max(largest.get(group(row), 0.0), value)
        result = []
        for row in self.rows:
            value = row[self.value_column] or 0
            # A string, so the template's number localisation cannot turn 42.5 into "42,5" inside SVG.
            width = f"{100 * float(value) / (largest[group(row)] or 1):.1f}"
            result.append((row, value, width))
        return result


def value_bands(currency: str) -> list[tuple[Decimal, Decimal | None]]:
    """The order value bands in `currency`'s own units (see VALUE_BANDS)."""
    scale = scale_for(currency)
    return [(low * scale, high * scale if high is not None else None) for low, high in VALUE_BANDS]


def _band_label(low: Decimal, high: Decimal | None, currency: str) -> str:
    def amount(value: Decimal) -> str:
        return f"{value.normalize():f}"

    return f"{amount(low)}–{amount(high)} {currency}" if high is not None else f"{amount(low)}+ {currency}"


def _money(value) -> Decimal:
    # SQLite sums decimals with trailing digits; money shows in cents.
    return Decimal(value or 0).quantize(CENT)


def open_by_type_and_age(*, shop=None, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(status__in=list(OPEN_STATUSES))
    if shop:
        cases = cases.filter(shop=shop)
    rows = []
    type_labels = dict(ClaimType.choices) | {"": str(_("Return"))}
    buckets = {}
    lower = None
    for index, (upper, _label) in enumerate(AGE_BUCKETS):
        condition = Q()
        if upper is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=upper))
        if lower is not None:
            condition &= Q(opened_at__lte=now - timedelta(days=lower))
        buckets[f"age{index}"] = Count("id", filter=condition)
        lower = upper
    for row in cases.values("kind", "claim__type").annotate(**buckets, total=Count("id")).order_by("-total"):
        name = (
            type_labels.get(row["claim__type"] or "", row["claim__type"])
            if row["kind"] == CaseKind.CLAIM
            else (str(CaseKind(row["kind"]).label))
        )
        rows.append([str(name), *[row[f"age{i}"] for i in range(len(AGE_BUCKETS))], row["total"]])
    return Chart(
        "open",
        str(_("Open cases by type and age")),
        [str(_("Type")), *[str(label) for _, label in AGE_BUCKETS], str(_("Total"))],
        rows,
    )


def first_response_breaches(*, shop=None, days=30, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(opened_at__gte=now - timedelta(days=days))
    if shop:
        cases = cases.filter(shop=shop)
    late_answered = Q(first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due"))
    late_open = Q(first_responded_at__isnull=True, first_response_due__lt=now)
    totals = cases.aggregate(
        answered_late=Count("id", filter=late_answered),
        waiting_late=Count("id", filter=late_open),
        all=Count("id"),
    )
    rows = [
        [str(_("Answered late")), totals["answered_late"]],
        [str(_("Still waiting, overdue")), totals["waiting_late"]],
        [str(_("All cases opened")), totals["all"]],
    ]
    return Chart(
        "breaches", str(_("First-response breaches, last 30 days")), [str(_("What")), str(_("Cases"))], rows
    )


def claims_by_type_and_carrier(*, shop=None) -> Chart:
    cases = Case.objects.filter(kind=CaseKind.CLAIM, claim__shipment__isnull=False)
    if shop:
        cases = cases.filter(shop=shop)
    type_labels = dict(ClaimType.choices)
    # One row per currency as well: a carrier that serves both shops has EUR and SEK claims.
    rows = [
        [
            row["claim__shipment__carrier__name"],
            str(type_labels.get(row["claim__type"], row["claim__type"])),
            row["n"],
            _money(row["cost"]),
            row["currency"],
        ]
        for row in cases.values("claim__shipment__carrier__name", "claim__type", "currency")
        .annotate(n=Count("id"), cost=Sum("cost_total"))
        .order_by("-n", "currency", "claim__shipment__carrier__name", "claim__type")
    ]
    return Chart(
        "claims",
        str(_("Claims by carrier and type")),
        [str(_("Carrier")), str(_("Type")), str(_("Claims")), str(_("Cost")), str(_("Currency"))],
        rows,
        value_column=2,
    )


def loss_rate_by_carrier_and_value(*, shop=None) -> Chart:
    """Lost and not-received parcels per 100 shipped, by carrier, value band and signature.

    The evidence behind "ship orders above X with signature" (seed 002 #3):
    if signed parcels above a value are rarely claimed, the surcharge pays.
    """
    shipments = Shipment.objects.all()
    if shop:
        shipments = shipments.filter(order__shop=shop)
    found = []
    # One query per band, whatever the currencies: each band is "this range in EUR, or that
    # range in SEK, ..., or the EUR range in a currency without a factor".
    for index in range(len(VALUE_BANDS)):
        band = Q()
        for currency in CURRENCY_SCALE:
            band |= Q(order__currency=currency) & _in_band(value_bands(currency)[index])
        band |= ~Q(order__currency__in=list(CURRENCY_SCALE)) & _in_band(VALUE_BANDS[index])
        grouped = (
            shipments.filter(band)
            .values("order__currency", "carrier__name", "signature_required")
            .annotate(
                shipped=Count("id", distinct=True),
                lost=Count("claims", filter=Q(claims__type__in=LOSS_TYPES), distinct=True),
            )
            .order_by("order__currency", "carrier__name", "signature_required")
        )
        found += [(row["order__currency"], index, row) for row in grouped]
    rows = []
    for currency, index, row in sorted(
        found, key=lambda item: (item[0], item[1], item[2]["carrier__name"], item[2]["signature_required"])
    ):
        rate = round(100 * row["lost"] / row["shipped"], 1) if row["shipped"] else 0.0
        rows.append(
            [
                row["carrier__name"],
                _band_label(*value_bands(currency)[index], currency),
                str(_("yes")) if row["signature_required"] else str(_("no")),
                row["shipped"],
                row["lost"],
                rate,
            ]
        )
    return Chart(
        "loss",
        str(_("Lost or not received per 100 parcels")),
        [
            str(_("Carrier")),
            str(_("Order value")),
            str(_("Signature")),
            str(_("Shipped")),
            str(_("Lost / not received")),
            str(_("Per 100")),
        ],
        rows,
    )


def _in_band(band: tuple[Decimal, Decimal | None]) -> Q:
    low, high = band
    return Q(order__total__gte=low) & (Q(order__total__lt=high) if high is not None else Q())


def money_by_month(*, shop=None, months=12, now=None) -> Chart:
    now = now or timezone.now()
    since = (now - timedelta(days=31 * months)).replace(day=1)
    refunds = Refund.objects.filter(created_at__gte=since).exclude(status=RefundStatus.FAILED)
    reships = Resolution.objects.filter(
        created_at__gte=since, action__in=["reship", "reship_with_return_label", "remake"]
    )
    recovered = CarrierClaim.objects.filter(created_at__gte=since)
    if shop:
        refunds = refunds.filter(order__shop=shop)
        reships = reships.filter(case__shop=shop)
        recovered = recovered.filter(claim__case__shop=shop)
    money = DecimalField(max_digits=14, decimal_places=2)
    reship_cost = ExpressionWrapper(F("goods_cost") + F("shipping_cost"), output_field=money)
    # (month, currency) -> [refunded, reshipped, recovered]: a month with EUR and SEK is two rows.
    table: dict = {}
    sums = [
        (refunds, "currency", Sum("amount")),
        (reships, "case__currency", Sum(reship_cost)),
        (recovered, "claim__case__currency", Sum("recovered_amount")),
    ]
    for column, (queryset, currency, amount) in enumerate(sums):
        grouped = queryset.annotate(m=TruncMonth("created_at")).values("m", currency).annotate(s=amount)
        for row in grouped:
            table.setdefault((row[currency], row["m"]), [_money(0)] * 3)[column] = _money(row["s"])
    rows = [
        [month.strftime("%Y-%m"), *values, currency] for (currency, month), values in sorted(table.items())
    ]
    return Chart(
        "money",
        str(_("Refunded and reshipped against recovered, per month")),
        [str(_("Month")), str(_("Refunded")), str(_("Reshipped")), str(_("Recovered")), str(_("Currency"))],
        rows,
        value_column=1,
        scale_column=4,
    )


def time_to_resolution(*, shop=None, days=90, now=None) -> Chart:
    now = now or timezone.now()
    cases = Case.objects.filter(resolved_at__isnull=False, resolved_at__gte=now - timedelta(days=days))
    if shop:
        cases = cases.filter(shop=shop)
    hours_by_kind: dict[str, list[float]] = {}
    for kind, opened, resolved in cases.values_list("kind", "opened_at", "resolved_at").iterator(
        chunk_size=5000
    ):
        hours_by_kind.setdefault(kind, []).append((resolved - opened).total_seconds() / 3600)
    rows = [
        [str(CaseKind(kind).label), len(hours), round(statistics.median(hours), 1)]
        for kind, hours in sorted(hours_by_kind.items())
    ]
    return Chart(
        "resolution",
        str(_("Median hours to resolution, last 90 days")),
        [str(_("Kind")), str(_("Resolved")), str(_("Median hours"))],
        rows,
    )


def return_rates(*, shop=None, now=None) -> list[Chart]:
    """Return rates of the last 12 months (seed 001 #6): by product, by reason, and by month."""

    now = now or timezone.now()
    by_product, by_reason, by_month = [], [], []
    for one in [shop] if shop else Shop.objects.order_by("name"):
        data = return_selectors.return_rates(
            shop=one, date_from=(now - timedelta(days=365)).date(), date_to=now.date()
        )
        by_product += [
            [one.name, row["sku"], row["title"], row["sold"], row["returned"], _percent(row["rate"])]
            for row in data["by_product"]
            if row["returned"]
        ]
        by_reason += [
            [one.name, row["label"], row["returned"], _percent(row["share"])]
            for row in data["by_reason"]
            if row["returned"]
        ]
        by_month += [
            [one.name, row["month"], row["sold"], row["returned"], _percent(row["rate"])]
            for row in data["by_month"]
        ]
    return [
        Chart(
            "returns_product",
            str(_("Return rate by product, last 12 months")),
            [
                str(_("Shop")),
                str(_("SKU")),
                str(_("Product")),
                str(_("Sold")),
                str(_("Returned")),
                str(_("Rate %")),
            ],
            by_product,
        ),
        Chart(
            "returns_reason",
            str(_("Returns by reason, last 12 months")),
            [str(_("Shop")), str(_("Reason")), str(_("Returned")), str(_("Share %"))],
            by_reason,
        ),
        Chart(
            "returns_month",
            str(_("Return rate by month of sale")),
            [str(_("Shop")), str(_("Month")), str(_("Sold")), str(_("Returned")), str(_("Rate %"))],
            by_month,
        ),
    ]


def _percent(rate) -> float:
    return round(float(rate or 0) * 100, 1)


def returns_cost_by_product(*, shop=None, days=365, now=None) -> Chart:
    """What returns cost per product: the goods value of what came back and was refunded or exchanged.

    In the currency of the orders, one row per product and currency.
    """

    now = now or timezone.now()
    lines = ReturnLine.objects.filter(
        request__created_at__gte=now - timedelta(days=days), accepted_quantity__gt=0
    )
    if shop:
        lines = lines.filter(request__order__shop=shop)
    value = ExpressionWrapper(
        F("accepted_quantity") * F("order_line__unit_price"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    rows = [
        [
            row["order_line__order__shop__name"],
            row["order_line__sku"],
            row["title"],
            row["units"],
            _money(row["value"]),
            row["order_line__order__currency"],
        ]
        for row in lines.values(
            "order_line__order__shop__name", "order_line__sku", "order_line__order__currency"
        )
        .annotate(title=Max("order_line__title"), units=Sum("accepted_quantity"), value=Sum(value))
        .order_by("-value")[:50]
    ]
    return Chart(
        "returns_cost",
        str(_("Returned goods refunded or exchanged per product, last 12 months")),
        [
            str(_("Shop")),
            str(_("SKU")),
            str(_("Product")),
            str(_("Units")),
            str(_("Value")),
            str(_("Currency")),
        ],
        rows,
        value_column=4,
        scale_column=5,
    )


def all_charts(*, shop=None) -> list[Chart]:
    return [
        open_by_type_and_age(shop=shop),
        first_response_breaches(shop=shop),
        claims_by_type_and_carrier(shop=shop),
        loss_rate_by_carrier_and_value(shop=shop),
        money_by_month(shop=shop),
        time_to_resolution(shop=shop),
        *return_rates(shop=shop),
        returns_cost_by_product(shop=shop),
    ]
