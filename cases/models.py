"""The case kernel: the one record of every buyer problem, shared by claims and returns.

A case has a status machine (`TRANSITIONS`), an audit timeline (`CaseEvent`,
written in the same transaction as every change by `cases.services`) and
private notes. Money that leaves the shop for a case is a `Refund`; how much
an agent may send back without an owner is a `RefundLimit`.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orders.models import Buyer, Order, Shop

from .choices import ClaimType


class StatusMachine(models.Model):
    """A model whose `status` moves only along its `TRANSITIONS` map."""

    TRANSITIONS: ClassVar[Mapping[str, frozenset[str]]]
    # What the model is called in an error: "Return R-2026-000001 is closed and cannot …".
    status_noun: ClassVar[str]

    class Meta:
        abstract = True

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class CaseKind(models.TextChoices):
    CLAIM = "claim", _("Claim")
    RETURN = "return", _("Return")
    ENQUIRY = "enquiry", _("Enquiry")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    WAITING_ON_BUYER = "waiting_on_buyer", _("Waiting on buyer")
    WAITING_ON_CARRIER = "waiting_on_carrier", _("Waiting on carrier")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


S = CaseStatus
OPEN_STATUSES = (S.NEW, S.WAITING_ON_BUYER, S.WAITING_ON_CARRIER, S.IN_PROGRESS, S.ESCALATED)
# Where a case may go from each status. A resolved case can be reopened (the
# buyer writes back, the carrier finds the parcel); a closed one is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(
        {S.WAITING_ON_BUYER, S.WAITING_ON_CARRIER, S.IN_PROGRESS, S.ESCALATED, S.RESOLVED, S.CLOSED}
    ),
    S.WAITING_ON_BUYER: frozenset({S.IN_PROGRESS, S.WAITING_ON_CARRIER, S.ESCALATED, S.RESOLVED, S.CLOSED}),
    S.WAITING_ON_CARRIER: frozenset({S.IN_PROGRESS, S.WAITING_ON_BUYER, S.ESCALATED, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_BUYER, S.WAITING_ON_CARRIER, S.ESCALATED, S.RESOLVED, S.CLOSED}),
    S.ESCALATED: frozenset({S.IN_PROGRESS, S.WAITING_ON_BUYER, S.WAITING_ON_CARRIER, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}


class OpenedVia(models.TextChoices):
    PORTAL = "portal", _("Buyer portal")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    AGENT = "agent", _("Agent")
    AUTOMATIC = "automatic", _("Automatic")


class Case(StatusMachine):
    TRANSITIONS = TRANSITIONS
    status_noun = _("Case")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    # The foreign keys' own indexes are left out where a composite index below starts with the column.
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="cases", verbose_name=_("shop"), db_index=False
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("order"),
        db_index=False,
    )
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("buyer")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
        db_index=False,
    )
    opened_via = models.CharField(_("opened via"), max_length=10, choices=OpenedVia.choices)
    language = models.CharField(_("language"), max_length=2, blank=True)
    # Copied from the order so the queue sorts and filters without joins.
    order_value = models.DecimalField(_("order value"), max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    # A dispute's deadline at the payment provider (copied from the claim): the queue sorts and
    # shows it without joins, and it keeps the case urgent after the first answer to the buyer.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    # Both deadlines are kept by `cases.sla` (business hours, holidays, paused while the buyer is asked):
    # the queue, the case page and the dashboard read them from here, so they always agree.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # What the case cost the shop and what came back from the carrier, kept
    # current by the resolution services so dashboards need no joins.
    cost_total = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal("0"))
    # Reference, order number, buyer name and e-mail, tracking numbers: what agents type into the search box.
    search_text = models.TextField(blank=True, default="")
    # What was said and bought (statements, e-mails, notes, order lines), folded: `cases.search`.
    # PostgreSQL stems it into a generated `search_vector` column the model does not declare.
    search_body = models.TextField(blank=True, default="")
    recovered_total = models.DecimalField(
        _("recovered"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # The first words the buyer wrote (the claim's statement, the first e-mail), shown in the queue.
    preview = models.CharField(_("first message"), max_length=200, blank=True, default="")
    # The claim's type, copied as the claim opens (it never changes; empty for other kinds): the
    # queue pages a type from an index of this table instead of joining every case to its claim.
    claim_type = models.CharField(_("claim type"), max_length=30, blank=True, default="", db_default="")
    # When the buyer last wrote: the queue sorts by it and marks replies the assignee has not seen.
    last_buyer_message_at = models.DateTimeField(_("last buyer message"), null=True, blank=True)
    # Set when an agent merged this case into another of the same buyer: this one is closed, its
    # timeline and messages moved over, and its reference leads to the surviving case.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["-priority", "first_response_due", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=CaseKind.values), name="case_kind_valid"),
        ]
        indexes = [
            # The triage queue: open cases, most urgent first.
            models.Index(
                fields=["-priority", "first_response_due", "id"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_by_urgency",
            ),
            # Every status in the queue's order: a superuser's queue, and the fallback for
            # owners of many shops (desk.queue.MAX_BRANCHES).
            models.Index(fields=["-priority", "first_response_due", "id"], name="case_by_urgency"),
            # One shop's cases of one status in the queue's order: desk.queue merges one scan per
            # (shop, status) pair, so a page reads at most a page per pair, closed cases included.
            models.Index(
                fields=["shop", "status", "-priority", "first_response_due", "id"],
                name="case_shop_status_by_urgency",
            ),
            # One shop's cases, its open cases, and its claims of a type, in the queue's order: the
            # queue with every status ticked, as it opens, and filtered by type merge one scan per
            # shop, far fewer to plan than one per (shop, status).
            models.Index(fields=["shop", "-priority", "first_response_due", "id"], name="case_shop_by_urgency"),
            models.Index(
                fields=["shop", "-priority", "first_response_due", "id"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_shop_open_by_urgency",
            ),
            models.Index(
                fields=["shop", "claim_type", "-priority", "first_response_due", "id"],
                condition=~Q(claim_type=""),
                name="case_shop_type_by_urgency",
            ),
            # The same newest first, for the cases API (read backwards).
            models.Index(fields=["shop", "status", "id"], name="case_shop_status_newest"),
            # One agent's cases in the queue's order (`assignee_id = …`).
            models.Index(
                fields=["assignee", "-priority", "first_response_due", "id"], name="case_assignee_by_urgency"
            ),
            # The queue's other sortable columns, in the order `desk.queue` reads them (and backwards).
            models.Index(
                F("order_value").desc(nulls_last=True),
                "id",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_by_value",
            ),
            models.Index(
                F("opened_at").asc(nulls_last=True),
                "id",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_by_age",
            ),
            models.Index(
                F("first_response_due").asc(nulls_last=True),
                "id",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_by_due",
            ),
            models.Index(
                F("last_buyer_message_at").desc(nulls_last=True),
                "id",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_open_by_buyer_wrote",
            ),
            models.Index(fields=["order"], name="case_order"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def net_loss(self) -> Decimal:
        return self.cost_total - self.recovered_total


class CaseEvent(models.Model):
    """One line of the audit timeline. Stored untranslated; rendered in the reader's language."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("who")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    # A `Verb` code, checked when written (cases.events); no choices here, so a new verb needs no migration.
    verb = models.CharField(_("what"), max_length=40)
    old = models.CharField(_("old"), max_length=200, blank=True)
    new = models.CharField(_("new"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]

    def __str__(self):
        return f"{self.case_id} {self.verb}"


class CaseSeen(models.Model):
    """When a user last opened a case: a buyer's message after it is unread for them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="seen_by", verbose_name=_("case"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("case last seen")
        verbose_name_plural = _("cases last seen")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_seen_once_per_user")]

    def __str__(self):
        return f"{self.case_id} {self.user_id}"


class CaseNote(models.Model):
    """A private note on a case; buyers never see these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")

    def __str__(self):
        return self.body[:60]


class RefundStatus(models.TextChoices):
    # The manual gateway: an agent confirms the money left the shop's payment system.
    PENDING = "pending", _("Waiting for confirmation")
    # A provider's gateway: sent to the provider by an outbound call, then accepted by it, then
    # confirmed by its webhook (or by the answer itself when the money moved at once).
    SUBMITTED = "submitted", _("Sent to the payment provider")
    ACCEPTED = "accepted", _("Accepted by the payment provider")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class RefundMethod(models.TextChoices):
    ORIGINAL_PAYMENT = "original_payment", _("Original payment method")
    STORE_CREDIT = "store_credit", _("Store credit")


class Refund(models.Model):
    """Money going back to a buyer, for a claim or a return.

    The sum over an order's pending and completed refunds never exceeds what
    was paid; `cases.refunds.refund_issue` enforces it under a lock on the order.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("case"))
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(
        _("method"), max_length=20, choices=RefundMethod.choices, default=RefundMethod.ORIGINAL_PAYMENT
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    # A client's own key is stored as "client:<key>" (`cases.refunds.client_key`), 100 characters at most,
    # so it can never take the key of a refund Postsale makes itself.
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    gateway = models.CharField(_("gateway"), max_length=30, default="manual")
    gateway_reference = models.CharField(_("gateway reference"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    expected_arrival = models.DateField(_("expected arrival"), null=True, blank=True)
    # Store credit made in the shop: the Shopify gift card's or WooCommerce coupon's code the buyer types in.
    credit_code = models.CharField(_("gift card or coupon code"), max_length=40, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="refund_status_valid"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency}"

    @property
    def awaits_provider(self) -> bool:
        """Sent to a payment provider that has not said yes yet: the buyer hears of it once it has."""
        return self.status == RefundStatus.SUBMITTED


# A refund that holds its part of what the order can still give back.
REFUND_HOLDING = (RefundStatus.PENDING, RefundStatus.SUBMITTED, RefundStatus.ACCEPTED, RefundStatus.COMPLETED)


class InvoiceReduction(models.Model):
    """What would have been refunded on an order the buyer has not paid yet: their invoice shrinks instead.

    No money moves, so no refund: a "refund of 0" told a buyer of an unpaid invoice that all was
    settled while the shop still asked for the full amount. The agent changes the invoice in the
    shop (the case page says by how much) and confirms it here.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invoice_reductions")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoice_reductions")
    amount = models.DecimalField(_("invoice reduced by"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    # What the buyer still owes on the order after this reduction: 0 means the invoice is cancelled.
    left_to_pay = models.DecimalField(_("left to pay"), max_digits=12, decimal_places=2)
    # One reduction per return or per resolution, however often its service runs.
    key = models.CharField(_("key"), max_length=120, unique=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_in_shop_at = models.DateTimeField(_("changed in the shop at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("invoice reduction")
        verbose_name_plural = _("invoice reductions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoicereduction_amount_positive"),
            models.CheckConstraint(
                condition=Q(left_to_pay__gte=0), name="invoicereduction_left_not_negative"
            ),
        ]

    def __str__(self):
        return f"-{self.amount} {self.currency}"

    @property
    def cancels_invoice(self) -> bool:
        return self.left_to_pay == 0


class RefundLimit(models.Model):
    """How much an agent (or a group of agents) may give back on one order without asking the owner.

    An agent's limit is their own, else the highest of their groups', else 0:
    no refund without an owner. A row without a shop applies to every shop; a
    shop's own row wins over it. The limit counts everything the order gave
    back (`cases.approvals`); the optional daily total counts what the agent
    gave back in the shop that day.
    """

    shop = models.ForeignKey(
        Shop,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="refund_limits",
        verbose_name=_("shop"),
        help_text=_("Empty: every shop."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="refund_limits",
        verbose_name=_("agent"),
    )
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="refund_limits",
        verbose_name=_("group"),
    )
    amount = models.DecimalField(
        _("limit per order"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Everything given back on one order counts: refunds of every case, store credit and "
            "exchanged goods at list price."
        ),
    )
    daily_amount = models.DecimalField(
        _("daily total"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("At most this much a day in the shop, over all orders. Empty: no daily total."),
    )

    class Meta:
        verbose_name = _("refund limit")
        verbose_name_plural = _("refund limits")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(group__isnull=True))
                | (Q(user__isnull=True) & Q(group__isnull=False)),
                name="refundlimit_user_xor_group",
                violation_error_message=_("A refund limit belongs either to an agent or to a group."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refundlimit_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(daily_amount__isnull=True) | Q(daily_amount__gte=0),
                name="refundlimit_daily_not_negative",
            ),
            models.UniqueConstraint(
                fields=["shop", "user"], condition=Q(shop__isnull=False), name="refundlimit_one_per_user_shop"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(shop__isnull=True), name="refundlimit_one_per_user_all_shops"
            ),
            models.UniqueConstraint(
                fields=["shop", "group"],
                condition=Q(shop__isnull=False),
                name="refundlimit_one_per_group_shop",
            ),
            models.UniqueConstraint(
                fields=["group"], condition=Q(shop__isnull=True), name="refundlimit_one_per_group_all_shops"
            ),
        ]

    def __str__(self):
        who = self.user or self.group
        return f"{who}: {self.amount}"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Done")
    RETRYING = "retrying", _("No answer yet: will try again")
    FAILED = "failed", _("Failed: needs an agent")


class OutboundCall(models.Model):
    """One call Postsale makes to a shop system, payment provider or carrier (`cases.outbound`).

    Written in the same transaction as the decision it carries out and sent by a
    worker after commit. The idempotency key is fixed here, once, and sent with
    every attempt, so a provider that got the first attempt does nothing the second time.
    """

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbound_calls",
        verbose_name=_("case"),
    )
    refund = models.ForeignKey(
        Refund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbound_calls",
        verbose_name=_("refund"),
    )
    # What is asked ("refund.create", "order.create", "label.create", ...) and of whom ("stripe", ...).
    kind = models.CharField(_("action"), max_length=40)
    provider = models.CharField(_("provider"), max_length=30)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_answer = models.TextField(_("last answer"), blank=True)
    # What the provider calls the thing it made (re_..., an order id, a label's tracking number).
    result_reference = models.CharField(_("provider reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbound call")
        verbose_name_plural = _("outbound calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboundStatus.values), name="outboundcall_status_valid"
            ),
        ]
        indexes = [
            # The sweep: calls still to send, oldest first.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["queued", "sending", "retrying"]),
                name="outboundcall_unfinished",
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.kind} {self.idempotency_key}"

    @property
    def can_retry(self) -> bool:
        return self.status == OutboundStatus.FAILED


class ShopOrderPurpose(models.TextChoices):
    REPLACEMENT = "replacement", _("Replacement")
    EXCHANGE = "exchange", _("Exchange")


class ShopOrderLink(models.Model):
    """An order Postsale asked a shop system to make for a case (`cases.shop_orders`).

    `external_id` is the shop's own id for it, from the answer to `order.create`;
    the shop's order webhooks name it, and bring back the parcel it was sent in.
    """

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="shop_orders", verbose_name=_("case")
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=ShopOrderPurpose.choices)
    provider = models.CharField(_("shop system"), max_length=30)
    # The order the buyer complained about, as Postsale holds it.
    original = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("original order")
    )
    external_id = models.CharField(_("shop's order id"), max_length=64, blank=True)
    number = models.CharField(_("shop's order number"), max_length=64, blank=True)
    # The shop's copy of the new order, once its webhook has brought it in.
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order in Postsale"),
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    # The buyer was told of the parcel, with its tracking: once.
    announced_at = models.DateTimeField(_("buyer told"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order in the shop")
        verbose_name_plural = _("orders in the shop")
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ShopOrderPurpose.values), name="shoporderlink_purpose_valid"
            ),
            models.UniqueConstraint(
                fields=["shop", "provider", "external_id"],
                condition=~Q(external_id=""),
                name="shoporderlink_unique_external_id",
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.external_id or '…'} for {self.case_id}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an owner")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    # The case was settled another way (an owner acted on the case itself, it was closed).
    WITHDRAWN = "withdrawn", _("No longer needed")


class Approval(models.Model):
    """Money back above an agent's limit, waiting in the owners' inbox (`cases.approvals`).

    One waits per case at a time: asking again (another amount) updates it.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("case"))
    # An Action of the claim (refund, partial_refund, store_credit) or a return's refund or exchange.
    action = models.CharField(_("action"), max_length=40)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    limit = models.DecimalField(_("limit of the one who asked"), max_digits=12, decimal_places=2)
    # As `cases.verbs.reason_data` stores it: the agent's words, or a system reason's code.
    reason = models.JSONField(_("reason"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("asked by"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("owner's note"), blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApprovalStatus.values), name="approval_status_valid"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="approval_one_pending_per_case"
            ),
        ]
        indexes = [
            models.Index(
                fields=["shop", "created_at"], condition=Q(status="pending"), name="approval_pending"
            )
        ]

    def __str__(self):
        return f"{self.action} {self.amount} on {self.case_id} ({self.status})"


class Tag(models.Model):
    """A word a shop's agents put on cases ("influencer", "wedding", "carrier-late") to find them again."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tags", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="tag_unique_name_per_shop")]

    def __str__(self):
        return self.name


class CaseTag(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_tags", verbose_name=_("case"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="case_tags", verbose_name=_("tag"))
    tagged_at = models.DateTimeField(_("tagged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case tag")
        verbose_name_plural = _("case tags")
        constraints = [models.UniqueConstraint(fields=["case", "tag"], name="casetag_unique")]
        # The queue's tag filter: from the tag to its cases.
        indexes = [models.Index(fields=["tag", "case"], name="casetag_tag_case")]

    def __str__(self):
        return f"{self.tag} on {self.case_id}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """When a shop's support works, in the shop's time zone: the SLA clock runs only then.

    Several rows on one weekday make a day with a break. A shop without any row works round
    the clock (the SLA targets are then plain hours, as before shops had opening hours).
    """

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("shop")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["shop", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_hours_closes_after_opens"
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    """A day the shop's support is closed beyond its country's public holidays (Christmas Eve, a company day)."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="closed_days", verbose_name=_("shop")
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        ordering = ["shop", "date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [models.UniqueConstraint(fields=["shop", "date"], name="closed_day_once_per_shop")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


# The case types a policy can name: each claim type, returns and enquiries; "" is the shop's default.
RETURN_TYPE = "return"
ENQUIRY_TYPE = "enquiry"
SLA_CASE_TYPES = [
    ("", _("Every other case")),
    *ClaimType.choices,
    (RETURN_TYPE, _("Return")),
    (ENQUIRY_TYPE, _("Enquiry")),
]


class SlaPolicy(models.Model):
    """How soon a shop answers and settles a type of case, in business hours (its opening hours)."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("shop")
    )
    case_type = models.CharField(_("case type"), max_length=30, choices=SLA_CASE_TYPES, blank=True)
    first_response_hours = models.PositiveIntegerField(
        _("first answer within (business hours)"), validators=[MinValueValidator(1)]
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolved within (business hours)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["shop", "case_type"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["shop", "case_type"], name="sla_policy_once_per_type"),
            models.CheckConstraint(
                condition=Q(first_response_hours__gte=1), name="sla_policy_first_response_positive"
            ),
        ]

    def __str__(self):
        return f"{self.shop} {self.get_case_type_display()}"
