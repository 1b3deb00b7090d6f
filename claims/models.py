"""Claims: a case about a problem with an order, its evidence, playbook, carrier claim and resolutions."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import RESOLUTIONS, ClaimType, choices_of
from cases.models import Case, Refund, StatusMachine
from orders.files import IMAGES, PrivateFileField
from orders.models import Carrier, OrderLine, Shipment


class DisputeOutcome(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Claim(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="claim", verbose_name=_("case"))
    type = models.CharField(_("type"), max_length=30, choices=ClaimType.choices)
    statement = models.TextField(_("buyer's statement"), blank=True)
    shipment = models.ForeignKey(
        Shipment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
        verbose_name=_("shipment"),
    )
    # Disputes (chargeback, A-to-z): who raised it and by when we must answer.
    dispute_provider = models.CharField(_("dispute provider"), max_length=40, blank=True)
    dispute_reference = models.CharField(_("dispute reference"), max_length=120, blank=True, db_index=True)
    dispute_reason = models.CharField(_("dispute reason"), max_length=200, blank=True)
    dispute_amount = models.DecimalField(
        _("disputed amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    # How the provider decided the dispute, and what a lost one took from the shop: the disputed
    # amount and the provider's dispute fee, counted in the case's cost and the dashboard.
    dispute_outcome = models.CharField(
        _("dispute outcome"), max_length=10, choices=DisputeOutcome.choices, blank=True
    )
    dispute_fee = models.DecimalField(
        _("dispute fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    dispute_cost = models.DecimalField(
        _("lost to the dispute"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    dispute_settled_at = models.DateTimeField(_("dispute decided at"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    evidence_computed_at = models.DateTimeField(_("evidence computed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(condition=Q(type__in=ClaimType.values), name="claim_type_valid"),
            # One automatic lost-in-transit claim per stalled parcel, even if the sweep runs twice at once.
            models.UniqueConstraint(
                fields=["shipment", "type"],
                condition=Q(type="lost_in_transit"),
                name="claim_one_lost_claim_per_shipment",
            ),
        ]

    def __str__(self):
        return f"{self.case.reference} {self.get_type_display()}"


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="claim_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("affected line")
        verbose_name_plural = _("affected lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="claimline_quantity_positive"),
            models.UniqueConstraint(fields=["claim", "order_line"], name="claimline_unique_line"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line.title}"


# The old way of naming uploads, which the first migrations still name; files are stored under
# random names now (orders.files.RandomName).
def claim_photo_path(instance, filename):
    return f"claims/{instance.claim_id}/{filename}"


class ClaimPhoto(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="photos")
    file = PrivateFileField(_("photo"), kind="claim-photos", extensions=IMAGES)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.file.name


class PlaybookStep(models.Model):
    """A playbook step an agent ticked off. The steps themselves live in `claims.playbooks`."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="steps_done")
    key = models.CharField(max_length=40)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "key"], name="playbookstep_once")]

    def __str__(self):
        return self.key


class CarrierClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


CC = CarrierClaimStatus
CARRIER_CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    CC.DRAFT: frozenset({CC.FILED}),
    CC.FILED: frozenset({CC.ACCEPTED, CC.REJECTED}),
    CC.ACCEPTED: frozenset({CC.PAID}),
    CC.REJECTED: frozenset(),
    CC.PAID: frozenset(),
}


class CarrierClaim(StatusMachine):
    """A claim the shop files with the carrier to recover what it lost."""

    TRANSITIONS = CARRIER_CLAIM_TRANSITIONS
    status_noun = _("Carrier claim")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="carrier_claims")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, verbose_name=_("carrier"))
    reference = models.CharField(_("carrier reference"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CarrierClaimStatus.choices, default=CarrierClaimStatus.DRAFT
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    # The last day the carrier accepts the claim, from its terms (claims.carrier_terms) or the
    # shop's contract; counted from `deadline_from` ("shipped" or "delivered").
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_from = models.CharField(_("deadline counted from"), max_length=10, blank=True)
    # What the carrier pays at most: its liability limit, or the insured value where that is more.
    liability_cap = models.DecimalField(
        _("liability limit"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Each reminder once: set by the one run of the sweep that sent it (a conditional update).
    reminded_soon_at = models.DateTimeField(_("reminded before the deadline"), null=True, blank=True)
    reminded_due_at = models.DateTimeField(_("reminded on the deadline"), null=True, blank=True)
    claimed_amount = models.DecimalField(_("claimed"), max_digits=12, decimal_places=2, default=Decimal("0"))
    recovered_amount = models.DecimalField(
        _("recovered"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("carrier claim")
        verbose_name_plural = _("carrier claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CarrierClaimStatus.values), name="carrierclaim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(recovered_amount__gte=0), name="carrierclaim_recovered_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.carrier.code} {self.reference or self.pk}"

    def days_left(self, today: date) -> int | None:
        """Days until the deadline: 0 on its day, negative once it has passed."""
        return None if self.deadline is None else (self.deadline - today).days

    @property
    def filed_late(self) -> bool:
        return bool(self.deadline and self.filed_at and timezone.localdate(self.filed_at) > self.deadline)


class CarrierContract(models.Model):
    """A shop's own figures with a carrier, where its contract says other than the published terms.

    Empty fields keep the figure of `claims.carrier_terms`. Amounts are in the shop's currency.
    """

    shop = models.ForeignKey(
        "orders.Shop", on_delete=models.CASCADE, related_name="carrier_contracts", verbose_name=_("shop")
    )
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, verbose_name=_("carrier"))
    loss_window_days = models.PositiveSmallIntegerField(
        _("days to claim a lost parcel (from shipping)"), null=True, blank=True
    )
    damage_window_days = models.PositiveSmallIntegerField(
        _("days to claim damage (from delivery)"), null=True, blank=True
    )
    liability_limit = models.DecimalField(
        _("liability limit per parcel"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    insured_amount = models.DecimalField(
        _("insured per parcel"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Insurance the contract includes for every parcel; a parcel's own insured value counts first."
        ),
    )
    claim_address = models.TextField(_("claims department's address"), blank=True)

    class Meta:
        verbose_name = _("carrier contract")
        verbose_name_plural = _("carrier contracts")
        constraints = [
            models.UniqueConstraint(fields=["shop", "carrier"], name="carriercontract_unique_per_shop"),
            models.CheckConstraint(
                condition=Q(loss_window_days__gt=0) | Q(loss_window_days__isnull=True),
                name="carriercontract_loss_window_positive",
            ),
            models.CheckConstraint(
                condition=Q(damage_window_days__gt=0) | Q(damage_window_days__isnull=True),
                name="carriercontract_damage_window_positive",
            ),
        ]

    def __str__(self):
        return f"{self.shop} · {self.carrier}"


RESOLUTION_CHOICES = choices_of(RESOLUTIONS)


class Resolution(models.Model):
    """What was done for the buyer, and what it cost the shop."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="resolutions")
    action = models.CharField(_("action"), max_length=30, choices=RESOLUTION_CHOICES)
    # Internal: the timeline's and the owners' reading. Never put into an e-mail to the buyer.
    reason = models.TextField(_("reason"), blank=True)
    # What the agent wrote to the buyer for this outcome, kept for a mail sent later (a refund the
    # payment provider accepts after the click).
    buyer_message = models.TextField(_("message to the buyer"), blank=True)
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    amount = models.DecimalField(_("amount to buyer"), max_digits=12, decimal_places=2, default=Decimal("0"))
    goods_cost = models.DecimalField(_("goods cost"), max_digits=12, decimal_places=2, default=Decimal("0"))
    shipping_cost = models.DecimalField(
        _("shipping cost"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    replacement = models.ForeignKey(
        Shipment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replacement"),
    )
    with_return_label = models.BooleanField(_("with return label"), default=False)
    goodwill = models.BooleanField(_("goodwill"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=[value for value, _label in RESOLUTION_CHOICES]),
                name="resolution_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.case.reference} {self.action}"

    @property
    def cost(self) -> Decimal:
        return self.amount + self.goods_cost + self.shipping_cost


class StallThreshold(models.Model):
    """After how many days without a tracking event a parcel counts as stalled.

    Per shop, optionally per carrier, domestic or international; the most
    specific row wins, and `claims.automatic.DEFAULT_DAYS` applies when none does.
    """

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="stall_thresholds")
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.CASCADE)
    international = models.BooleanField(_("international"), default=False)
    days = models.PositiveSmallIntegerField(_("days without a tracking event"))

    class Meta:
        verbose_name = _("stall threshold")
        verbose_name_plural = _("stall thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "carrier", "international"],
                condition=Q(carrier__isnull=False),
                name="stallthreshold_unique_per_carrier",
            ),
            models.UniqueConstraint(
                fields=["shop", "international"],
                condition=Q(carrier__isnull=True),
                name="stallthreshold_unique_shop_default",
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="stallthreshold_days_positive"),
        ]

    def __str__(self):
        return f"{self.shop} {self.carrier or '*'} {'intl' if self.international else 'dom'}: {self.days}"
