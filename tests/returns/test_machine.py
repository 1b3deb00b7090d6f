"""A return's status machine: the kernel's refusal, and the errors every step shares."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from config.errors import Conflict
from returns import services
from returns.models import ReturnStatus
from tests.factories import NAPKINS, make_return

pytestmark = pytest.mark.django_db


def test_an_unknown_rma_is_refused_on_the_rma(db):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.return_close(rma="R-2026-999999")

    [problem] = error.value.error_dict["rma"]
    assert problem.code == "unknown_return"
    assert error.value.message_dict == {"rma": ["No return R-2026-999999."]}


def test_a_move_the_machine_does_not_allow_is_the_kernels_refusal(delivered_order):
    request = make_return(delivered_order)

    with translation.override("en"), pytest.raises(Conflict) as error:
        services.return_close(rma=request.rma)

    assert error.value.code == "invalid_transition"
    assert error.value.message == f"Return {request.rma} is label issued and cannot move to closed."
    request.refresh_from_db()
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert not request.case.events.filter(verb="return_status_changed", new="closed").exists()


@pytest.mark.parametrize(
    "step",
    [
        lambda rma: services.return_approve(rma=rma, actor=None),
        lambda rma: services.return_reject(rma=rma, actor=None, reason="Zu spät"),
        lambda rma: services.return_inspect(rma=rma, lines=[]),
        lambda rma: services.return_refund_approve(rma=rma, actor=None),
    ],
    ids=["approve", "reject", "inspect", "refund_approve"],
)
def test_a_step_the_status_does_not_allow_is_an_invalid_transition(delivered_order, step):
    request = make_return(delivered_order)

    with pytest.raises(Conflict) as error:
        step(request.rma)

    assert error.value.code == "invalid_transition"
    assert request.rma in error.value.message


def test_a_closed_return_cannot_be_received_and_says_so(delivered_order):
    request = make_return(delivered_order)
    services.return_expire_stale(now=timezone.now() + timedelta(days=30))
    services.return_close(rma=request.rma)

    with translation.override("en"), pytest.raises(Conflict) as error:
        services.return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})

    assert error.value.code == "invalid_transition"
    assert error.value.message == f"Return {request.rma} is closed and cannot be received."
