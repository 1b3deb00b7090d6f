"""What goes wrong with parcels: claims per carrier and type, and losses by carrier, order value and signature."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimType
from cases.models import Case, CaseKind
from decisions.defaults import CURRENCY_SCALE, LARGE, SMALL, scale_for
from orders.models import Shipment

from .chart import Chart, money

# Value bands for "which parcels get lost", in EUR: the lines the default decision
# matrix draws. Other currencies get the same bands times the matrix's own factor
# (decisions.defaults.CURRENCY_SCALE: SEK and NOK ×10, so 0–500 / 500–2500 / 2500+
# SEK; DKK ×7.5). A currency missing there is taken at par with the euro (×1) until
# someone adds its factor, which then serves the matrix and this chart alike.
VALUE_BANDS = [(Decimal("0"), SMALL), (SMALL, LARGE), (LARGE, None)]
LOSS_TYPES = [ClaimType.LOST_IN_TRANSIT, ClaimType.DELIVERED_NOT_RECEIVED]


def value_bands(currency: str) -> list[tuple[Decimal, Decimal | None]]:
    """The order value bands in `currency`'s own units (see VALUE_BANDS)."""
    scale = scale_for(currency)
    return [(low * scale, high * scale if high is not None else None) for low, high in VALUE_BANDS]


def _band_label(low: Decimal, high: Decimal | None, currency: str) -> str:
    def amount(value: Decimal) -> str:
        return f"{value.normalize():f}"

    return f"{amount(low)}–{amount(high)} {currency}" if high is not None else f"{amount(low)}+ {currency}"


def claims_by_type_and_carrier(*, shops=None) -> Chart:
    cases = Case.objects.filter(kind=CaseKind.CLAIM, claim__shipment__isnull=False)
    if shops is not None:
        cases = cases.filter(shop__in=shops)
    type_labels = dict(ClaimType.choices)
    # One row per currency as well: a carrier that serves both shops has EUR and SEK claims.
    rows = [
        [
            row["claim__shipment__carrier__name"],
            str(type_labels.get(row["claim__type"], row["claim__type"])),
            row["n"],
            money(row["cost"]),
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


def loss_rate_by_carrier_and_value(*, shops=None) -> Chart:
    """Lost and not-received parcels per 100 shipped, by carrier, value band and signature.

    The evidence behind "ship orders above X with signature":
    if signed parcels above a value are rarely claimed, the surcharge pays.
    """
    shipments = Shipment.objects.all()
    if shops is not None:
        shipments = shipments.filter(order__shop__in=shops)
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
