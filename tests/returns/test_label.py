"""Issuing the label: the e-mail that carries it."""

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
    assert f"{request.expires_at.day}." in text
    assert "DHL" not in text
