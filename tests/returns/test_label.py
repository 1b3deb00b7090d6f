"""Issuing the label: the e-mail that carries it."""

from zoneinfo import ZoneInfo

import pytest

from returns.models import ReturnStatus
from tests.factories import make_return

from .conftest import mail_text

pytestmark = pytest.mark.django_db


def test_the_label_email_gives_the_deadline_and_not_the_outbound_carrier(delivered_order):
    request = make_return(delivered_order)

    text = mail_text(request, "return_label")
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    # The day as the shop's buyer reads it: at 23:30 UTC it is already tomorrow in Berlin.
    deadline = request.expires_at.astimezone(ZoneInfo(delivered_order.shop.time_zone))
    assert f"{deadline.day}." in text
    assert "DHL" not in text
