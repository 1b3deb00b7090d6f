"""The return label: issued when a return is approved, and again when the buyer lost or cannot print it."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.verbs import Verb
from messaging.public import BuyerEvent
from orders.models import Carrier

from ..labels import label_provider
from ..models import LabelSource, ReturnPolicy, ReturnRequest, ReturnStatus
from .carrier_label import order_carrier_label
from .machine import lock_return, move_return, notify, refused_step
from .policy import label_expires_at, policy_for


@transaction.atomic
def return_label_issue(*, rma: str, actor=None) -> ReturnRequest:
    """Issue the label, or issue it again (lost, unreadable): a new label starts a new expiry period."""
    request = lock_return(rma)
    if request.status not in (ReturnStatus.APPROVED, ReturnStatus.LABEL_ISSUED):
        raise refused_step(
            request, _("Return %(rma)s is %(status)s; a label is issued for approved returns only.")
        )
    issue_label(request, policy_for(request.order.shop), actor=actor)
    return request


def issue_label(request: ReturnRequest, policy: ReturnPolicy, *, actor) -> None:
    if policy.label_source != LabelSource.OWN:
        # Bought from the carrier by a worker after this transaction commits, never in the request.
        order_carrier_label(request, policy, actor=actor)
        return
    label = label_provider().create_label(request, policy)
    now = timezone.now()
    # The file is written outside the transaction; a rollback leaves an unused PDF behind, never a missing one.
    # Stored under a random name (orders.files): the RMA is sequential, a name made of it is guessable.
    request.label_pdf.save("label.pdf", ContentFile(label.pdf), save=False)
    request.label_provider = label.provider
    request.label_issued_at = now
    request.expires_at = label_expires_at(request, policy, start=now)
    fields = ["label_pdf", "label_provider", "label_issued_at", "expires_at"]
    if label.tracking_number:
        request.tracking_number = label.tracking_number
        fields.append("tracking_number")
    if label.carrier_code:
        # The carrier whose number it is: the pollers (DHL, PostNord) follow the parcel by it.
        request.carrier = Carrier.objects.filter(code__iexact=label.carrier_code).first()
        fields.append("carrier")
    if request.status == ReturnStatus.LABEL_ISSUED:
        request.save(update_fields=[*fields, "updated_at"])
        case_event(
            request.case, Verb.RETURN_LABEL_REISSUED, actor=actor, rma=request.rma, provider=label.provider
        )
    else:
        move_return(request, ReturnStatus.LABEL_ISSUED, actor=actor, fields=fields, provider=label.provider)
    notify(
        request,
        BuyerEvent.RETURN_LABEL,
        attachments=[(f"{request.rma}.pdf", label.pdf, "application/pdf")],
        method=request.method,
        return_deadline=timezone.localdate(request.expires_at).isoformat(),
        # The carrier that takes the return: a carrier provider's booking names one; our own
        # label does not, and the parcel that went out (in the case's context) may not be it.
        carrier_name=label.carrier_code.upper() if label.carrier_code else "",
        label_kind=request.label_kind,
    )
