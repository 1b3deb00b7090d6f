"""What messaging does when the case kernel reports a change (`cases.signals`)."""

from django.dispatch import receiver

from cases import signals
from cases.models import Case, CaseStatus, OpenedVia
from cases.verbs import SystemReason, reason_data
from orders import signals as orders_signals
from orders.models import Shipment

from .models import BuyerEvent, OwnerEvent
from .services.outbox import notify_buyer, notify_owners
from .services.parcel_news import parcel_news_queue


def buyer_took_part(case: Case) -> bool:
    """Whether the buyer was in touch about this case: only then is "how did we do?" a fair question.

    Not for a chargeback the bank opened, a payment review, or a stalled parcel the buyer
    never asked about, unless they wrote to us about it.
    """
    if case.opened_via in (OpenedVia.PORTAL, OpenedVia.EMAIL, OpenedVia.AGENT):
        return True  # the buyer wrote, or called and an agent opened it for them
    return case.inbound_messages.exists()


@receiver(signals.case_closed, sender=Case, dispatch_uid="messaging-ask-for-feedback")
def ask_for_feedback(sender, *, case: Case, old_status: str, **kwargs) -> None:
    """After a case is closed, ask the buyer how it went: follow up after the problem is solved."""
    if old_status == CaseStatus.RESOLVED and buyer_took_part(case):
        notify_buyer(case=case, event=BuyerEvent.FEEDBACK_REQUEST)


@receiver(signals.approval_requested, sender=Case, dispatch_uid="messaging-tell-owners-of-approval")
def tell_owners_of_approval(
    sender, *, case: Case, action: str, amount, limit, reason: str | SystemReason, **kwargs
) -> None:
    notify_owners(
        case=case,
        event=OwnerEvent.OWNER_ESCALATION,
        context={"amount": str(amount), "limit": str(limit), "action": action, **reason_data(reason)},
    )


@receiver(orders_signals.shipments_moved, sender=Shipment, dispatch_uid="messaging-tell-buyer-parcel-news")
def tell_buyer_parcel_news(sender, *, moves, **kwargs) -> None:
    """Keep the buyer informed of every update the shop has opted in to (000)."""
    shipments = Shipment.objects.select_related("order__shop", "order__buyer").in_bulk(
        [shipment.pk for shipment, _old, _new in moves]
    )
    for shipment, _old, new in moves:
        parcel_news_queue(shipment=shipments[shipment.pk], status=new)
