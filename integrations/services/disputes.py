"""Payment disputes (chargebacks, PayPal claims) as chargeback cases, kept up to date as the provider reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from cases.choices import ClaimType
from cases.events import case_event
from cases.models import OpenedVia
from cases.services import case_set_respond_by
from cases.verbs import Verb
from claims.models import Claim
from claims.services import DisputeIn, claim_dispute_settle, claim_open
from orders.models import Order, Payment

from ..models import ExternalDispute, Integration
from ..providers import Ignored, NotYet


def dispute_record(
    *,
    integration: Integration,
    provider: str,
    dispute_id: str,
    payment_references: list[str],
    reason: str,
    amount: Decimal | None,
    respond_by: datetime | None,
    status: str,
    topic: str,
    source_updated_at: datetime | None,
    outcome: str = "",
    lost_amount: Decimal | None = None,
    fee: Decimal | None = None,
) -> str:
    """Open a chargeback case for a new dispute, or bring its case up to date.

    The order is found by the payment reference the shop stored (charge,
    PaymentIntent, capture). `claim_open` tells the owners of a new dispute.
    An event older than the one applied last is ignored: providers deliver a
    dispute's events out of order, and a late `updated` must not undo `closed`.
    A decided dispute (`outcome` won or lost) resolves its case, a lost one with its cost:
    `lost_amount` (what the provider took back, else the disputed amount) and the provider's `fee`.
    """
    claim = _dispute_claim(integration.shop_id, provider, dispute_id)
    if claim is None:
        order = _disputed_order(integration.shop_id, payment_references)
        # Re-read under the order's lock: `created` and `updated` of one dispute may be processed at once.
        claim = _dispute_claim(integration.shop_id, provider, dispute_id)
        if claim is None:
            claim = _dispute_open(
                order=order,
                provider=provider,
                dispute_id=dispute_id,
                reason=reason,
                amount=amount,
                respond_by=respond_by,
                status=status,
            )
            ExternalDispute.objects.create(
                integration=integration,
                dispute_id=dispute_id,
                claim=claim,
                source_updated_at=source_updated_at,
            )
            _settle(claim, outcome=outcome, lost_amount=lost_amount, fee=fee, status=status)
            return f"chargeback case {claim.case.reference} opened on order {order.number}"

    link = _dispute_link(integration=integration, dispute_id=dispute_id, claim=claim)
    # Re-read under the link's lock: the claim as the last applied event left it.
    claim = _dispute_claim(integration.shop_id, provider, dispute_id)
    if link.source_updated_at and source_updated_at and source_updated_at < link.source_updated_at:
        raise Ignored(
            f"An older event of dispute {dispute_id} ({source_updated_at.isoformat()}) than the one "
            f"applied ({link.source_updated_at.isoformat()})."
        )
    changed = {}
    for field, value in (
        ("dispute_reason", reason[:200]),
        ("dispute_amount", amount),
        ("respond_by", respond_by),
    ):
        if value not in (None, "") and getattr(claim, field) != value:
            changed[field] = value
    if changed:
        Claim.objects.filter(pk=claim.pk).update(**changed)
    if "respond_by" in changed:
        case_set_respond_by(claim.case, changed["respond_by"])
    if source_updated_at:
        link.source_updated_at = source_updated_at
        link.save(update_fields=["source_updated_at"])
    case_event(
        claim.case,
        Verb.DISPUTE_UPDATED,
        new=status,
        provider=provider,
        topic=topic,
        changed=sorted(changed),
    )
    _settle(claim, outcome=outcome, lost_amount=lost_amount, fee=fee, status=status)
    return f"case {claim.case.reference}: dispute {status}"


def _settle(claim: Claim, *, outcome: str, lost_amount: Decimal | None, fee: Decimal | None, status: str):
    if outcome:
        claim_dispute_settle(
            claim=claim, outcome=outcome, amount=lost_amount, fee=fee, provider_status=status
        )


def _disputed_order(shop_id: int, payment_references: list[str]) -> Order:
    """The order paid with one of the references, locked; NotYet until the shop has told us of it."""
    payment = (
        Payment.objects.filter(order__shop_id=shop_id, reference__in=payment_references)
        .order_by("id")
        .first()
        if payment_references
        else None
    )
    if payment is None:
        raise NotYet(f"No order paid with {', '.join(payment_references) or 'an unnamed payment'}.")
    return Order.objects.select_for_update().select_related("shop", "buyer").get(pk=payment.order_id)


def _dispute_open(
    *,
    order: Order,
    provider: str,
    dispute_id: str,
    reason: str,
    amount: Decimal | None,
    respond_by: datetime | None,
    status: str,
) -> Claim:

    return claim_open(
        order=order,
        type=ClaimType.CHARGEBACK,
        opened_via=OpenedVia.AUTOMATIC,
        statement=f"{provider} dispute {dispute_id}: {reason} ({status})",
        dispute=DisputeIn(
            provider=provider,
            reference=dispute_id,
            reason=reason[:200],
            amount=amount,
            respond_by=respond_by,
        ),
    )


def _dispute_link(*, integration: Integration, dispute_id: str, claim: Claim) -> ExternalDispute:
    """The dispute's link, locked, so two of its events are compared and applied one after the other."""
    link = (
        ExternalDispute.objects.select_for_update()
        .filter(integration=integration, dispute_id=dispute_id)
        .first()
    )
    if link is not None:
        return link
    # A case opened before links were kept: from now on its events are compared.
    try:
        with transaction.atomic():
            return ExternalDispute.objects.create(integration=integration, dispute_id=dispute_id, claim=claim)
    except IntegrityError as exc:
        raise NotYet(f"Dispute {dispute_id} is being applied by another worker.") from exc


def _dispute_claim(shop_id: int, provider: str, dispute_id: str):
    return (
        Claim.objects.select_related("case")
        .filter(case__shop_id=shop_id, dispute_provider=provider, dispute_reference=dispute_id)
        .first()
    )
