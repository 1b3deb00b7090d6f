"""What the portal reads: the buyer's one order with its parcels and the cases a buyer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch

from cases.choices import ClaimType
from cases.models import Case, CaseKind, CaseStatus, InvoiceReduction, Refund, RefundStatus
from cases.verbs import Verb
from claims.models import Claim, ClaimPhoto
from orders.models import Order, OrderLine, Shipment, Shop, TrackingEvent
from returns.models import DONE, ReturnRequest

from . import access

# The shop's own checks and the bank's disputes are not the buyer's business in the portal.
HIDDEN_CLAIM_TYPES = (ClaimType.PAYMENT_REVIEW, ClaimType.CHARGEBACK)


def scoped_order(request, shop: Shop, number: str) -> Order | None:
    """The order in the URL if, and only if, this session was scoped to it."""
    order_id = access.scoped_order_id(request, shop)
    if order_id is None:
        return None
    return Order.objects.select_related("shop", "buyer").filter(pk=order_id, shop=shop, number=number).first()


def order_page(order: Order) -> Order:
    """The order with its lines, parcels and their tracking story, newest event first. Four queries."""
    return (
        Order.objects.select_related("shop", "buyer")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("carrier").prefetch_related(
                    Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id"))
                ),
            ),
        )
        .get(pk=order.pk)
    )


@dataclass(frozen=True)
class BuyerCase:
    case: Case
    claim: Claim | None
    return_request: ReturnRequest | None
    refund: Refund | None
    is_open: bool
    # The order was not paid yet: what was due came off the buyer's invoice instead (the latest).
    invoice_reduction: InvoiceReduction | None = None

    @property
    def expected_refund_on(self) -> date | None:
        return self.refund.expected_arrival if self.refund else None

    @property
    def awaiting_return(self) -> bool:
        """A return whose money depends on the parcel arriving first."""
        rr = self.return_request
        return rr is not None and rr.refund_id is None and rr.status not in DONE


def buyer_cases(order: Order) -> list[BuyerCase]:
    """The order's cases as the buyer sees them, newest first. Three queries."""
    cases = (
        Case.objects.filter(order=order)
        .exclude(kind=CaseKind.CLAIM, claim__type__in=HIDDEN_CLAIM_TYPES)
        .select_related("claim", "return_request")
        .prefetch_related(
            Prefetch(
                "refunds",
                queryset=Refund.objects.exclude(status=RefundStatus.FAILED).order_by("-created_at", "-id"),
            ),
            Prefetch("invoice_reductions", queryset=InvoiceReduction.objects.order_by("-created_at", "-id")),
        )
        .order_by("-opened_at", "-id")
    )
    rows = []
    for case in cases:
        claim = getattr(case, "claim", None) if case.kind == CaseKind.CLAIM else None
        return_request = getattr(case, "return_request", None) if case.kind == CaseKind.RETURN else None
        refunds = list(case.refunds.all())
        is_open = case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
        if return_request is not None:
            is_open = return_request.status not in DONE
        reductions = list(case.invoice_reductions.all())
        rows.append(
            BuyerCase(
                case,
                claim,
                return_request,
                refunds[0] if refunds else None,
                is_open,
                reductions[0] if reductions else None,
            )
        )
    return rows


def buyer_case(order: Order, reference: str) -> BuyerCase | None:
    return next((row for row in buyer_cases(order) if row.case.reference == reference), None)


def order_return(order: Order, rma: str) -> ReturnRequest | None:
    """A return of this order only: an RMA of somebody else's order is not found."""
    return (
        ReturnRequest.objects.select_related("case", "refund", "order__shop")
        .prefetch_related("lines__order_line")
        .filter(order=order, rma=rma)
        .first()
    )


def order_photo(order: Order, pk: int) -> ClaimPhoto | None:
    """A photo sent with one of this order's problem reports that the buyer sees; no other."""
    return (
        ClaimPhoto.objects.filter(pk=pk, claim__case__order=order)
        .exclude(claim__type__in=HIDDEN_CLAIM_TYPES)
        .first()
    )


def stated_condition(return_request: ReturnRequest) -> str:
    event = return_request.case.events.filter(verb=Verb.BUYER_STATED_CONDITION).order_by("-id").first()
    return event.new if event else ""
