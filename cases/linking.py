"""An enquiry finds its order, and two cases of one buyer become one.

An enquiry (a phone call, an e-mail that matched no order) is linked to an
order in place: it keeps its reference, timeline and conversation, and may
become a claim or a return at the same moment (the claims and returns
services call `case_link_order` instead of opening a new case). A merge keeps
the surviving case and closes the other, moving its timeline, notes and (by
`signals.case_merged`) its e-mails over.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict
from orders.models import Order

from . import signals
from .events import case_event
from .models import OPEN_STATUSES, Case, CaseEvent, CaseKind, CaseNote, CaseStatus
from .priority import case_priority
from .search import case_reindex
from .services import case_lock, case_search_text, move_locked
from .sla import case_sla_refresh
from .verbs import Reason, Verb, because


@transaction.atomic
def case_link_order(
    *, case: Case, order: Order, actor=None, kind: str = "", subject: str = "", claim_type: str = ""
) -> Case:
    """Give an enquiry its order (and so the order's buyer, value and parcels); `kind` turns it into a claim or return.

    Callers that attach a claim or return pass its kind (and a claim its type); linking alone keeps
    the enquiry an enquiry.
    """
    case = case_lock(case)
    if case.kind != CaseKind.ENQUIRY or case.order_id is not None:
        raise Conflict(
            _("Only an enquiry without an order can be linked to an order."), code="not_an_enquiry"
        )
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="closed")
    if order.shop_id != case.shop_id:
        raise ValidationError({"order": [_("The order belongs to another shop.")]})
    if kind and kind not in (CaseKind.CLAIM, CaseKind.RETURN):
        raise ValidationError({"kind": [_("An enquiry becomes a claim or a return.")]})
    old_search = case.search_text
    case.order = order
    case.buyer = order.buyer
    case.order_value = order.total
    case.currency = order.currency
    case.needed_by = order.needed_by
    if kind:
        case.kind = kind
        case.claim_type = claim_type
    if subject:
        case.subject = subject[:200]
    case.priority = case_priority(case, now=timezone.now())
    # The enquiry stays findable by what it was found by before (the sender's address).
    case.search_text = case_search_text(case, old_search)
    case.save()
    case_reindex(case)
    case_event(case, Verb.ORDER_LINKED, actor=actor, new=order.number, order_id=order.pk)
    if kind:
        case_event(case, Verb.CONVERTED, actor=actor, old=CaseKind.ENQUIRY, new=kind)
        # A claim or return has its own service levels: the enquiry's deadlines are measured again.
        case_sla_refresh(case)
    return case


def _same_buyer(one: Case, other: Case) -> bool:
    if one.buyer_id is None or other.buyer_id is None:
        return False
    if one.buyer_id == other.buyer_id:
        return True
    # An enquiry's buyer is made from the sender's address; the order's buyer may be another row.
    return one.buyer.email.strip().lower() == other.buyer.email.strip().lower()


@transaction.atomic
def case_merge(*, source: Case, target: Case, actor=None) -> Case:
    """Merge `source` into `target`: one case of the buyer left, with both timelines and conversations.

    Only an enquiry merges away: a claim's or return's own record (evidence, refunds, labels)
    stays where it is, so the enquiry goes into the claim, not the other way round.
    """
    if source.pk == target.pk:
        raise ValidationError({"into": [_("A case cannot be merged into itself.")]})
    # Both rows locked, lower id first, so two agents merging the pair both ways cannot deadlock.
    locked = {
        c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.shop_id != target.shop_id or not _same_buyer(source, target):
        raise ValidationError(
            {"into": [_("Only two cases of the same buyer in the same shop can be merged.")]}
        )
    if source.kind != CaseKind.ENQUIRY:
        raise Conflict(
            _("Only an enquiry can be merged into another case; merge %(other)s into %(this)s instead.")
            % {"other": target.reference, "this": source.reference},
            code="not_an_enquiry",
        )
    if source.status not in OPEN_STATUSES or target.status not in OPEN_STATUSES:
        raise Conflict(_("Both cases must be open to be merged."), code="closed")
    CaseEvent.objects.filter(case=source).update(case=target)
    CaseNote.objects.filter(case=source).update(case=target)
    signals.case_merged.send(sender=Case, source=source, target=target)
    if target.order_id is None and source.order_id is not None:
        target.order_id = source.order_id
    if source.first_responded_at and not target.first_responded_at:
        target.first_responded_at = source.first_responded_at
    target.search_text = " ".join([target.search_text, source.search_text]).strip()
    target.preview = target.preview or source.preview
    if source.last_buyer_message_at and (
        target.last_buyer_message_at is None or source.last_buyer_message_at > target.last_buyer_message_at
    ):
        target.last_buyer_message_at = source.last_buyer_message_at
    target.save(
        update_fields=[
            "order",
            "first_responded_at",
            "search_text",
            "preview",
            "last_buyer_message_at",
            "updated_at",
        ]
    )
    case_reindex(target)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    move_locked(source, CaseStatus.CLOSED, actor=actor, reason=because(Reason.MERGED, case=target.reference))
    case_event(source, Verb.MERGED_INTO, actor=actor, new=target.reference)
    case_event(target, Verb.MERGED_FROM, actor=actor, old=source.reference)
    return target
