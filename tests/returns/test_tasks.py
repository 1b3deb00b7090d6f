"""The returns' periodic tasks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from returns.tasks import expire_stale_returns
from tests.factories import make_return

pytestmark = pytest.mark.django_db


def test_the_beat_task_expires_stale_returns(delivered_order):
    request = make_return(delivered_order)
    type(request).objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert expire_stale_returns() == 1
