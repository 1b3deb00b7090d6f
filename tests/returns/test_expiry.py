"""A label nobody used: the return expires, and the buyer is told."""

from datetime import timedelta

import pytest
from django.utils import timezone

from returns import services
from returns.models import ReturnStatus
from tests.factories import make_return

from .conftest import mails

pytestmark = pytest.mark.django_db


def test_a_return_without_a_scan_expires_and_the_buyer_is_told(delivered_order):
    request = make_return(delivered_order)
    later = timezone.now() + timedelta(days=22)

    expired = services.return_expire_stale(now=later)

    request.refresh_from_db()
    assert expired == 1
    assert request.status == ReturnStatus.EXPIRED
    assert mails(request)[-1] == "return_expired"
    assert services.return_expire_stale(now=later) == 0


def test_a_scanned_return_does_not_expire(delivered_order):
    request = make_return(delivered_order)
    services.return_mark_in_transit(rma=request.rma)

    assert services.return_expire_stale(now=timezone.now() + timedelta(days=60)) == 0


def test_a_return_within_its_label_period_does_not_expire(delivered_order):
    make_return(delivered_order)

    assert services.return_expire_stale(now=timezone.now() + timedelta(days=20)) == 0
