"""Claims nobody opens by hand: a lost-in-transit claim for a parcel that went quiet or was lost."""

import pytest

from cases.choices import ClaimType
from claims import automatic
from claims.models import Claim
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db


def test_a_parcel_waiting_at_a_pickup_point_gets_no_lost_claim(shop, carrier):
    order = make_order(shop, shipped_days_ago=20)
    track(order, "available_for_pickup", days_ago=12)

    assert automatic.open_stalled_claims() == 0
    assert not Claim.objects.filter(case__order=order).exists()


def test_a_parcel_the_carrier_lost_gets_the_automatic_lost_claim(shop, carrier):
    order = make_order(shop, shipped_days_ago=3)
    track(order, "lost", days_ago=0)

    assert automatic.open_stalled_claims() == 1
    assert Claim.objects.get(case__order=order).type == ClaimType.LOST_IN_TRANSIT
    assert automatic.open_stalled_claims() == 0
