"""Closing a return closes its case and asks the buyer how it went."""

import pytest

from cases.models import CaseStatus
from returns import services
from returns.models import ReturnStatus
from returns.services import InspectLine
from tests.factories import NAPKINS, make_return

from .conftest import mails

pytestmark = pytest.mark.django_db


def test_closing_asks_for_feedback(delivered_order):
    request = make_return(delivered_order)
    services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    services.return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "as_new")])

    services.return_close(rma=request.rma)

    request.refresh_from_db()
    assert request.status == ReturnStatus.CLOSED
    assert request.case.status == CaseStatus.CLOSED
    assert mails(request)[-1] == "feedback_request"
