"""What claims cost and what carriers paid back, month by month."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import REPLACEMENTS
from cases.models import Refund, RefundStatus
from claims.models import CarrierClaim, Claim, Resolution

from .chart import Chart, money


def money_by_month(*, shops=None, months=12, now=None) -> Chart:
    now = now or timezone.now()
    since = (now - timedelta(days=31 * months)).replace(day=1)
    refunds = Refund.objects.filter(created_at__gte=since).exclude(status=RefundStatus.FAILED)
    reships = Resolution.objects.filter(created_at__gte=since, action__in=REPLACEMENTS)
    recovered = CarrierClaim.objects.filter(created_at__gte=since)
    # Lost chargebacks: the amount the provider took back and its fee, in the month it was decided.
    chargebacks = Claim.objects.filter(dispute_settled_at__gte=since, dispute_cost__gt=0)
    if shops is not None:
        refunds = refunds.filter(order__shop__in=shops)
        reships = reships.filter(case__shop__in=shops)
        recovered = recovered.filter(claim__case__shop__in=shops)
        chargebacks = chargebacks.filter(case__shop__in=shops)
    amount_field = DecimalField(max_digits=14, decimal_places=2)
    reship_cost = ExpressionWrapper(F("goods_cost") + F("shipping_cost"), output_field=amount_field)
    # (month, currency) -> [refunded, reshipped, recovered, chargebacks lost]: a month with EUR and SEK is two rows.
    table: dict = {}
    sums = [
        (refunds, "currency", Sum("amount"), "created_at"),
        (reships, "case__currency", Sum(reship_cost), "created_at"),
        (recovered, "claim__case__currency", Sum("recovered_amount"), "created_at"),
        (chargebacks, "case__currency", Sum("dispute_cost"), "dispute_settled_at"),
    ]
    for column, (queryset, currency, amount, when) in enumerate(sums):
        grouped = queryset.annotate(m=TruncMonth(when)).values("m", currency).annotate(s=amount)
        for row in grouped:
            table.setdefault((row[currency], row["m"]), [money(0)] * len(sums))[column] = money(row["s"])
    rows = [
        [month.strftime("%Y-%m"), *values, currency] for (currency, month), values in sorted(table.items())
    ]
    return Chart(
        "money",
        str(_("Refunded and reshipped against recovered, per month")),
        [
            str(_("Month")),
            str(_("Refunded")),
            str(_("Reshipped")),
            str(_("Recovered")),
            str(_("Chargebacks lost")),
            str(_("Currency")),
        ],
        rows,
        value_column=1,
        scale_column=5,
    )
