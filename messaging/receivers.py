"""What messaging does when the case kernel reports a change (`cases.signals`)."""

from django.db.models import Max
from django.dispatch import receiver

from cases import signals
from cases.models import Case, CaseStatus, OpenedVia
from cases.verbs import SystemReason, reason_data
from orders import signals as orders_signals
from orders.models import Shipment

from .models import BuyerEvent, InboundMessage, OutboundMessage, OwnerEvent
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


@receiver(signals.case_merged, sender=Case, dispatch_uid="messaging-move-merged-conversation")
def move_conversation(sender, *, source: Case, target: Case, **kwargs) -> None:
    """The merged case's e-mails join the surviving case, so its conversation is whole.

    An e-mail keeps its Message-ID and reply token, so the buyer's answer to it threads onto the
    surviving case. Its sequence number is renumbered after the target's own of the same event
    (one row per case, event and number).
    """
    InboundMessage.objects.filter(case=source).update(case=target)
    taken = dict(
        OutboundMessage.objects.filter(case=target)
        .values("event")
        .annotate(last=Max("sequence"))
        .values_list("event", "last")
    )
    for message in OutboundMessage.objects.filter(case=source).order_by("event", "sequence", "id"):
        taken[message.event] = taken.get(message.event, 0) + 1
        OutboundMessage.objects.filter(pk=message.pk).update(case=target, sequence=taken[message.event])


@receiver(signals.case_search_texts, sender=Case, dispatch_uid="messaging-search-texts")
def conversation_words(sender, *, case: Case, **kwargs) -> list[str]:
    """The buyer's e-mails and what agents wrote back: the words agents search for.

    Not the templated status e-mails: their words are in every case and would find them all.
    """
    texts = []
    for subject, body in InboundMessage.objects.filter(case=case).values_list("subject", "body"):
        texts += [subject, body]
    for context in OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY).values_list(
        "context", flat=True
    ):
        texts.append(str((context or {}).get("body", "")))
    return texts
