"""Returns: each shop's return policy, return requests (RMA) with their lines, labels and inspection.

A `ReturnRequest` is one-to-one with a `cases.Case` of kind "return", so returns
share the queue, timeline and refunds with claims. Its status machine is
`TRANSITIONS`; every move goes through `returns.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cases.models import Case, Refund, RefundMethod, StatusMachine
from orders.files import IMAGES, PDF, PrivateFileField
from orders.models import Carrier, Order, OrderLine, Shop


class Condition(models.TextChoices):
    AS_NEW = "as_new", _("As new")
    OPENED = "opened", _("Opened")
    USED = "used", _("Used")
    DAMAGED = "damaged", _("Damaged")


PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class LabelSource(models.TextChoices):
    """Who makes the return label: Postsale draws one without postage, or a carrier sells one through EasyPost."""

    OWN = "postsale", _("Postsale's own PDF (no postage)")
    EASYPOST = "easypost", _("Carrier label through EasyPost")


class ReturnPolicy(models.Model):
    """What a shop promises its buyers about returns, shown on the public policy page."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="return_policy", verbose_name=_("shop")
    )
    # The EU right of withdrawal: 14 days from delivery (Directive 2011/83/EU, art. 9).
    window_days = models.PositiveSmallIntegerField(_("return window (days from delivery)"), default=14)
    free_returns = models.BooleanField(_("free returns"), default=True)
    return_fee = models.DecimalField(
        _("return fee"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    restocking_as_new_percent = models.PositiveSmallIntegerField(
        _("restocking fee, as new (%)"), default=0, validators=PERCENT
    )
    restocking_opened_percent = models.PositiveSmallIntegerField(
        _("restocking fee, opened (%)"), default=0, validators=PERCENT
    )
    restocking_used_percent = models.PositiveSmallIntegerField(
        _("restocking fee, used (%)"), default=20, validators=PERCENT
    )
    restocking_damaged_percent = models.PositiveSmallIntegerField(
        _("restocking fee, damaged (%)"), default=50, validators=PERCENT
    )
    exchanges_allowed = models.BooleanField(_("exchanges allowed"), default=True)
    keep_item_below = models.DecimalField(
        _("refund without return below"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_(
            "Returns worth less than this are refunded and the buyer keeps the goods. 0 turns it off."
        ),
    )
    refund_method = models.CharField(
        _("refund method"), max_length=20, choices=RefundMethod.choices, default=RefundMethod.ORIGINAL_PAYMENT
    )
    refund_processing_days = models.PositiveSmallIntegerField(
        _("refund processing (business days)"), default=5
    )
    # Carriers' home pickup (PostNord Return Pickup) is for heavier parcels; lighter ones go to a service point.
    pickup_weight_threshold_g = models.PositiveIntegerField(_("pickup offered above (g)"), default=5000)
    label_expiry_days = models.PositiveSmallIntegerField(
        _("label expires after (days without a carrier scan)"), default=21
    )
    label_source = models.CharField(
        _("return labels"), max_length=20, choices=LabelSource.choices, default=LabelSource.OWN
    )
    # EasyPost's names (https://www.easypost.com/docs/api#carrier-types), best first; the
    # cheapest rate of the first one that offers any is bought.
    label_carriers = models.CharField(
        _("label carriers"),
        max_length=200,
        blank=True,
        help_text=_(
            'Carriers as EasyPost names them, best first, e.g. "DHLExpress, UPS". Blank: the cheapest.'
        ),
    )
    label_service = models.CharField(
        _("label service"),
        max_length=80,
        blank=True,
        help_text=_('The carrier\'s service to buy, e.g. "Ground". Blank: the cheapest service.'),
    )
    # The parcel's weight when the returned products have none: the carrier prices by it.
    label_default_weight_g = models.PositiveIntegerField(_("parcel weight if unknown (g)"), default=1000)
    return_name = models.CharField(_("return address: name"), max_length=200, blank=True)
    return_line1 = models.CharField(_("return address: line 1"), max_length=200, blank=True)
    return_line2 = models.CharField(_("return address: line 2"), max_length=200, blank=True)
    return_postal_code = models.CharField(_("return address: postal code"), max_length=20, blank=True)
    return_city = models.CharField(_("return address: city"), max_length=100, blank=True)
    return_country = models.CharField(_("return address: country"), max_length=2, blank=True)
    # Blank: the generated steps (returns.selectors.packing_steps) are shown in the reader's language.
    packing_instructions_de = models.TextField(_("packing instructions (German)"), blank=True)
    packing_instructions_sv = models.TextField(_("packing instructions (Swedish)"), blank=True)
    packing_instructions_en = models.TextField(_("packing instructions (English)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_method__in=RefundMethod.values), name="returnpolicy_refund_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(label_source__in=LabelSource.values), name="returnpolicy_label_source_valid"
            ),
        ]

    def __str__(self):
        return f"{self.shop} ({self.window_days} d)"

    def restocking_percent(self, condition: str) -> int:
        return {
            Condition.AS_NEW: self.restocking_as_new_percent,
            Condition.OPENED: self.restocking_opened_percent,
            Condition.USED: self.restocking_used_percent,
            Condition.DAMAGED: self.restocking_damaged_percent,
        }.get(condition, 0)

    @property
    def has_return_address(self) -> bool:
        """Enough for a carrier or a warehouse to deliver to: a street, a postal code and a city."""
        return bool(self.return_line1 and self.return_postal_code and self.return_city)

    @property
    def return_address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.return_postal_code, self.return_city) if part)
        lines = [
            self.return_name or self.shop.name,
            self.return_line1,
            self.return_line2,
            city,
            self.return_country,
        ]
        return [line for line in lines if line]

    def terms(self) -> dict:
        """The terms a request is made under, kept on the request: a later policy change is not retroactive."""
        return {
            "window_days": self.window_days,
            "free_returns": self.free_returns,
            "return_fee": str(self.return_fee),
            "restocking_percent": {c: self.restocking_percent(c) for c in Condition.values},
            "refund_method": self.refund_method,
            "refund_processing_days": self.refund_processing_days,
            "label_expiry_days": self.label_expiry_days,
        }


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    LABEL_ISSUED = "label_issued", _("Label issued")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REFUNDED = "refunded", _("Refunded")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")


R = ReturnStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.REJECTED}),
    # Approved with a refund straight away when the buyer keeps the goods (keep_item_below);
    # received without a scan when the parcel turns up at the warehouse before any tracking.
    R.APPROVED: frozenset({R.LABEL_ISSUED, R.IN_TRANSIT, R.RECEIVED, R.EXPIRED, R.REFUNDED}),
    R.LABEL_ISSUED: frozenset({R.IN_TRANSIT, R.RECEIVED, R.EXPIRED}),
    R.IN_TRANSIT: frozenset({R.RECEIVED}),
    R.RECEIVED: frozenset({R.INSPECTED}),
    R.INSPECTED: frozenset({R.REFUNDED, R.PARTLY_REFUNDED, R.EXCHANGED, R.REJECTED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.PARTLY_REFUNDED: frozenset({R.CLOSED}),
    R.EXCHANGED: frozenset({R.CLOSED}),
    R.REJECTED: frozenset({R.CLOSED}),
    # A parcel the buyer sent late is still taken in.
    R.EXPIRED: frozenset({R.IN_TRANSIT, R.RECEIVED, R.CLOSED}),
    R.CLOSED: frozenset(),
}
# Waiting for the buyer to send the parcel: these expire without a carrier scan.
AWAITING_PARCEL = (R.APPROVED, R.LABEL_ISSUED)
# The return is decided; only closing is left.
DONE = (R.REFUNDED, R.PARTLY_REFUNDED, R.EXCHANGED, R.REJECTED, R.EXPIRED, R.CLOSED)


# The reason inspection stores when it accepted nothing: in English, like every stored value, and
# the same sentence as `cases.verbs.Reason.NOTHING_ACCEPTED`, so the catalogues have it for the
# admin, which shows it in the reader's language.
NOTHING_ACCEPTED = gettext_noop("Nothing was accepted at inspection.")


class ReturnMethod(models.TextChoices):
    DROP_OFF = "drop_off", _("Drop-off at a service point")
    PICKUP = "pickup", _("Pickup at home")


class Resolution(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    TOO_SMALL = "too_small", _("Too small")
    TOO_LARGE = "too_large", _("Too large")
    DAMAGED = "damaged", _("Arrived damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    OTHER = "other", _("Other")


class ReturnRequest(StatusMachine):
    TRANSITIONS = TRANSITIONS
    status_noun = _("Return")

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="return_request", verbose_name=_("case")
    )
    rma = models.CharField(_("RMA number"), max_length=20, unique=True)
    # Copied from the case so eligibility and analytics need no join through it.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="return_requests", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    method = models.CharField(_("method"), max_length=10, choices=ReturnMethod.choices)
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices)
    terms = models.JSONField(_("policy terms"), default=dict)
    # Why an agent must approve it: the policy problems found when it was requested.
    policy_exceptions = models.JSONField(_("outside the policy"), default=list, blank=True)
    keep_item = models.BooleanField(_("buyer keeps the goods"), default=False)
    carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("carrier")
    )
    tracking_number = models.CharField(_("return tracking number"), max_length=64, blank=True)
    label_provider = models.CharField(_("label provider"), max_length=30, blank=True)
    label_pdf = PrivateFileField(
        _("return label"), kind="return-labels", extensions=PDF, download_name="label_filename", blank=True
    )
    label_issued_at = models.DateTimeField(_("label issued at"), null=True, blank=True)
    # A carrier label's carrier as the label provider names it ("UPS", "DHLExpress"), its
    # shipment there (EasyPost's `shp_…`), and the code the buyer shows instead of a
    # printed label where the carrier offers label-free drop-off.
    label_carrier = models.CharField(_("label carrier"), max_length=80, blank=True)
    label_reference = models.CharField(_("label provider's reference"), max_length=80, blank=True)
    label_qr_code_url = models.URLField(_("carrier's QR code"), max_length=500, blank=True)
    # A pickup at the buyer's door booked with the label's carrier: its confirmation and window.
    pickup_confirmation = models.CharField(_("pickup confirmation"), max_length=80, blank=True)
    pickup_from = models.DateTimeField(_("pickup from"), null=True, blank=True)
    pickup_until = models.DateTimeField(_("pickup until"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    first_scan_at = models.DateTimeField(_("first carrier scan"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # As the agent typed it, or NOTHING_ACCEPTED when inspection accepted nothing.
    reject_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("refund")
    )
    goods_value = models.DecimalField(
        _("accepted goods"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    restocking_fee = models.DecimalField(
        _("restocking fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    return_fee = models.DecimalField(_("return fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    exchange_order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_for",
        verbose_name=_("exchange order"),
    )
    # Returned SKU -> the SKU to send instead, as inspection asked; kept while the exchange waits for an owner.
    exchange_skus = models.JSONField(_("exchanged SKUs"), default=dict, blank=True)
    # What the goods an exchange sends are worth at list price: counted against refund limits like a refund.
    exchange_value = models.DecimalField(
        _("exchange value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    exchanged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("exchanged by"),
    )
    exchanged_at = models.DateTimeField(_("exchanged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReturnStatus.values), name="return_status_valid"),
            models.CheckConstraint(condition=Q(method__in=ReturnMethod.values), name="return_method_valid"),
            models.CheckConstraint(
                condition=Q(resolution__in=Resolution.values), name="return_resolution_valid"
            ),
        ]
        indexes = [
            # The expiry sweep: returns waiting for a parcel, oldest deadline first.
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=[s.value for s in AWAITING_PARCEL]),
                name="return_awaiting_parcel",
            ),
            models.Index(fields=["tracking_number"], name="return_tracking_number"),
        ]

    def __str__(self):
        return self.rma

    @property
    def label_filename(self) -> str:
        """What the label is downloaded as; the stored name is random, so the RMA cannot find it."""
        return f"{self.rma}.pdf"

    @property
    def label_kind(self) -> str:
        """What the buyer must do with the label: show a carrier's QR code, stick a carrier's label, or
        send our own label with postage they pay at the counter."""
        if self.label_qr_code_url:
            return "carrier_qr"
        if self.label_provider and self.label_provider != LabelSource.OWN:
            return "carrier"
        return "own"

    @property
    def refund_due(self) -> Decimal | None:
        """What inspection says to refund: accepted goods less the fees (None before inspection)."""
        if self.goods_value is None:
            return None
        return self.goods_value - (self.restocking_fee or 0) - (self.return_fee or 0)

    @property
    def awaits_refund_approval(self) -> bool:
        """A refund due and none made: above the limit of the agent who inspected the return (or,
        when the buyer keeps the goods, who approved it)."""
        waiting = self.status == ReturnStatus.INSPECTED or (
            self.keep_item and self.status == ReturnStatus.APPROVED
        )
        return (
            waiting
            and self.resolution == Resolution.REFUND
            and self.refund_id is None
            and bool(self.refund_due and self.refund_due > 0)
        )

    @property
    def awaits_exchange_approval(self) -> bool:
        """Inspected for an exchange and none made: the goods were worth more than the agent's limit."""
        return (
            self.status == ReturnStatus.INSPECTED
            and self.resolution == Resolution.EXCHANGE
            and self.exchange_order_id is None
            and self.exchange_value is not None
        )


class ReturnLine(models.Model):
    """One returned order line. What arrived (received) and what was accepted are kept apart."""

    request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    # PROTECT: a line somebody sent back must not vanish when the shop resends the order.
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("order line")
    )
    quantity = models.PositiveIntegerField(_("requested quantity"))
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    received_quantity = models.PositiveIntegerField(_("received quantity"), default=0)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices, blank=True)
    accepted_quantity = models.PositiveIntegerField(_("accepted quantity"), default=0)
    rejected_quantity = models.PositiveIntegerField(_("rejected quantity"), default=0)
    notes = models.TextField(_("inspection notes"), blank=True)

    class Meta:
        ordering = ["request", "order_line__position"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.UniqueConstraint(fields=["request", "order_line"], name="returnline_unique_order_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="returnline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__lte=F("quantity")), name="returnline_received_le_requested"
            ),
            models.CheckConstraint(
                condition=Q(accepted_quantity__lte=F("received_quantity") - F("rejected_quantity")),
                name="returnline_accepted_rejected_le_received",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReturnReason.values), name="returnline_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(condition__in=[*Condition.values, ""]), name="returnline_condition_valid"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line.sku}"


# The old way of naming uploads, which the first migrations still name; files are stored under
# random names now (orders.files.RandomName).
def inspection_photo_path(instance, filename):
    return f"returns/inspection/{instance.line.request_id}/{filename}"


class InspectionPhoto(models.Model):
    line = models.ForeignKey(
        ReturnLine, on_delete=models.CASCADE, related_name="photos", verbose_name=_("return line")
    )
    file = PrivateFileField(_("photo"), kind="inspection-photos", extensions=IMAGES)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self):
        return self.file.name
