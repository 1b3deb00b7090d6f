"""A fresh demo already shows what claims and returns cost, per carrier, product and currency."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus, Refund
from claims.models import CarrierClaim, CarrierClaimStatus
from desk import dashboard


def chart(key: str) -> dashboard.Chart:
    return next(c for c in dashboard.all_charts() if c.key == key)


def test_demo_money_per_month_is_not_empty_and_each_figure_has_its_currency(demo, db):
    money = chart("money")

    assert money.columns[-1] == "Currency"
    assert {row[-1] for row in money.rows} == {"EUR", "SEK"}
    assert len({row[0] for row in money.rows}) >= 3  # months
    for column in (1, 2, 3):  # refunded, reshipped, recovered
        assert any(row[column] > 0 for row in money.rows), money.columns[column]


def test_demo_cases_took_hours_to_days_to_resolve(demo, db):
    resolution = {row[0]: row[1:] for row in chart("resolution").rows}

    assert set(resolution) == {"Claim", "Return"}
    for resolved, median_hours in resolution.values():
        assert resolved >= 5 and median_hours > 1


def test_demo_claims_cost_money_with_several_carriers_in_both_currencies(demo, db):
    costly = [row for row in chart("claims").rows if row[3] > 0]

    assert len({row[0] for row in costly}) >= 4
    assert {row[-1] for row in costly} == {"EUR", "SEK"}


def test_demo_returns_cost_per_product_in_both_currencies(demo, db):
    rows = chart("returns_cost").rows

    assert rows and all(row[4] > 0 for row in rows)
    assert {row[-1] for row in rows} == {"EUR", "SEK"}


def test_demo_history_spreads_over_three_months_and_both_shops(demo, db):
    now = timezone.now()
    settled = Case.objects.filter(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED])

    assert 20 <= settled.count() <= 35
    assert set(settled.values_list("shop__slug", flat=True)) == {"leinen-liebe", "linnestugan"}
    assert settled.filter(opened_at__lt=now - timedelta(days=60)).exists()
    assert not settled.filter(resolved_at__gt=now).exists()
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    recovered = CarrierClaim.objects.filter(status=CarrierClaimStatus.PAID, recovered_amount__gt=0)
    assert recovered.count() >= 3


def test_demo_timelines_run_from_opening_to_close(demo, db):
    for case in Case.objects.filter(status=CaseStatus.CLOSED):
        events = list(case.events.values_list("at", flat=True))
        assert events == sorted(events)
        assert case.opened_at <= events[0] and case.opened_at < case.resolved_at <= case.closed_at
        assert case.order.shipments.get().delivered_at < case.opened_at


def test_owner_downloads_the_demo_money_with_a_currency_on_every_row(demo, db, client):
    client.force_login(User.objects.get(username="owner"))

    header, *rows = list(
        csv.reader(io.StringIO(client.get("/desk/dashboard/money.csv?days=365").content.decode()))
    )

    assert header == ["Month", "Refunded", "Reshipped", "Recovered", "Chargebacks lost", "Currency"]
    assert rows and all(row[-1] in ("EUR", "SEK") for row in rows)
    for currency in ("EUR", "SEK"):
        refunded = Refund.objects.filter(currency=currency).aggregate(s=Sum("amount"))["s"]
        assert sum(Decimal(row[1]) for row in rows if row[-1] == currency) == refunded
