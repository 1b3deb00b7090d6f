"""Stall detection knows the buyer's date: a parcel that will miss it is flagged long before it counts as lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import OpenedVia
from claims import automatic, tasks
from claims.models import Claim
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_a_quiet_parcel_five_days_before_the_wedding_gets_a_late_claim_before_any_stall(shop, carrier):
    order = make_order(shop, needed_by=in_days(5), shipped_days_ago=4)
    track(order, "in_transit", days_ago=3)
    # Three quiet days: far from the five a domestic parcel needs to count as stalled.
    assert automatic.open_stalled_claims() == 0

    assert automatic.open_late_claims() == 1

    claim = Claim.objects.select_related("case").get(case__order=order)
    assert claim.type == ClaimType.LATE_FOR_NEEDED_BY
    assert claim.case.opened_via == OpenedVia.AUTOMATIC
    assert claim.shipment == order.shipments.get()
    assert claim.case.needed_by == in_days(5)
    assert claim.case.priority >= 22


def test_the_same_parcel_without_a_date_is_left_alone(shop, carrier):
    order = make_order(shop, shipped_days_ago=4)
    track(order, "in_transit", days_ago=3)

    assert automatic.open_late_claims() == 0
    assert automatic.open_stalled_claims() == 0
    assert not Claim.objects.filter(case__order=order).exists()


def test_a_moving_parcel_whose_estimate_is_after_the_date_is_flagged_weeks_ahead(shop, carrier):
    order = make_order(shop, needed_by=in_days(20), shipped_days_ago=1)
    track(order, "in_transit", days_ago=0, estimated_delivery=in_days(22))

    assert automatic.open_late_claims() == 1
    assert Claim.objects.get(case__order=order).type == ClaimType.LATE_FOR_NEEDED_BY


def test_a_moving_parcel_due_in_time_is_not_flagged(shop, carrier):
    order = make_order(shop, needed_by=in_days(6), shipped_days_ago=1)
    track(order, "in_transit", days_ago=0, estimated_delivery=in_days(3))

    assert automatic.open_late_claims() == 0


def test_a_parcel_still_on_its_way_two_days_before_the_date_is_flagged(shop, carrier):
    order = make_order(shop, needed_by=in_days(2), shipped_days_ago=1)
    track(order, "out_for_delivery", days_ago=0)

    assert automatic.open_late_claims() == 1


def test_a_delivered_parcel_or_a_date_already_gone_is_not_flagged(shop, carrier):
    delivered = make_order(shop, needed_by=in_days(1), shipped_days_ago=3)
    track(delivered, "delivered", days_ago=1)
    gone = make_order(shop, needed_by=in_days(-1), shipped_days_ago=3)
    track(gone, "in_transit", days_ago=3)

    assert automatic.open_late_claims() == 0


def test_the_sweep_opens_one_late_claim_however_often_it_runs_and_the_lost_sweep_adds_none(shop, carrier):
    order = make_order(shop, needed_by=in_days(4), shipped_days_ago=12)
    track(order, "in_transit", days_ago=3)
    assert automatic.open_late_claims() == 1
    assert automatic.open_late_claims() == 0

    # A week later the parcel is still quiet: it is already an agent's, not a second case.
    assert automatic.open_stalled_claims(now=timezone.now() + timedelta(days=7)) == 0
    assert Claim.objects.filter(case__order=order).count() == 1


def test_the_hourly_task_runs_both_sweeps(shop, carrier):
    quiet = make_order(shop, shipped_days_ago=20)
    track(quiet, "in_transit", days_ago=15)
    dated = make_order(shop, needed_by=in_days(3), shipped_days_ago=4)
    track(dated, "in_transit", days_ago=3)

    assert tasks.open_stalled_claims() == 2

    assert Claim.objects.get(case__order=quiet).type == ClaimType.LOST_IN_TRANSIT
    assert Claim.objects.get(case__order=dated).type == ClaimType.LATE_FOR_NEEDED_BY
