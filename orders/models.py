"""Shops, buyers, products, orders, payments, shipments and their tracking story.

Models hold fields, choices and small guards only; every write goes through
`orders.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .files import IMAGES, PDF, PrivateFileField

ZERO = Decimal("0.00")


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class Carrier(models.Model):
    """A carrier a shop may ship with. `tracking_url` holds `{tracking_number}`."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    tracking_url = models.CharField(_("tracking URL template"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self):
        return self.name

    def tracking_link(self, tracking_number: str) -> str:
        if not self.tracking_url or not tracking_number:
            return ""
        return self.tracking_url.replace("{tracking_number}", tracking_number)


class GreetingStyle(models.TextChoices):
    # German shops write to a stranger formally ("Guten Tag Frau Hofmann,") or, in a casual
    # brand voice, by first name ("Hallo Ingrid,"). Swedish and English always use the first name.
    FORMAL = "formal", _("Formal (Guten Tag Frau/Herr …)")
    INFORMAL = "informal", _("First name (Hallo …)")


class Shop(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    # Where the shop ships from: parcels to other countries get longer before they count as stalled.
    country = models.CharField(_("country"), max_length=2, default="DE")
    support_email = models.EmailField(_("support e-mail"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=40, blank=True)
    support_url = models.URLField(_("support page"), blank=True)
    # Published per shop so buyers know in advance who will bring the parcel.
    carriers = models.ManyToManyField(Carrier, blank=True, related_name="shops", verbose_name=_("carriers"))
    # The weight of box, filler and tape; the weight check adds it to the goods.
    packaging_allowance_g = models.PositiveIntegerField(_("packaging allowance (g)"), default=250)
    greeting_style = models.CharField(
        _("greeting in German e-mails"),
        max_length=10,
        choices=GreetingStyle.choices,
        default=GreetingStyle.FORMAL,
    )
    # The parcel statuses the buyer hears of by e-mail (TrackingStatus values); empty: none.
    tracking_updates = models.JSONField(_("tracking updates to the buyer"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """What a member does in a shop. Permissions come from the user's groups; the role says where."""

    OWNER = "owner", _("Owner")
    AGENT = "agent", _("Agent")
    # The shop system's API user: a member of its one shop, and of nothing else.
    INTEGRATION = "integration", _("Integration")


class Membership(models.Model):
    """A user's place in a shop: a shop is a tenant, and a user sees and acts only in their shops.

    Written through `orders.services.membership_grant` and `membership_revoke`;
    read through `orders.tenancy`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("shop")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        ordering = ["shop", "role", "user"]
        verbose_name = _("shop membership")
        verbose_name_plural = _("shop memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="membership_unique_user_shop"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["shop", "role"], name="membership_shop_role")]

    def __str__(self):
        return f"{self.user} · {self.shop} ({self.get_role_display()})"


class RiskFlag(models.TextChoices):
    NONE = "none", _("None")
    WATCH = "watch", _("Watch")
    QUESTIONABLE = "questionable", _("Questionable")


class Salutation(models.TextChoices):
    NONE = "", _("Not known")
    MS = "ms", _("Ms")
    MR = "mr", _("Mr")


class Buyer(models.Model):
    """A buyer of one shop. Buyers are per shop: shops never see each other's customers."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="buyers", verbose_name=_("shop"))
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Known only when the shop's checkout asks; a formal German greeting needs them
    # ("Guten Tag Frau Hofmann,"), and a name like "Anna-Lena von der Heide" cannot be split by guessing.
    salutation = models.CharField(
        _("salutation"), max_length=2, choices=Salutation.choices, blank=True, default=""
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    risk_flag = models.CharField(
        _("risk flag"), max_length=16, choices=RiskFlag.choices, default=RiskFlag.NONE
    )
    risk_reason = models.TextField(_("risk reason"), blank=True)
    risk_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("risk flag set by"),
    )
    risk_set_at = models.DateTimeField(_("risk flag set at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "email"], name="buyer_unique_email_per_shop"),
            models.CheckConstraint(condition=Q(risk_flag__in=RiskFlag.values), name="buyer_risk_flag_valid"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def is_flagged(self) -> bool:
        return self.risk_flag != RiskFlag.NONE


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", verbose_name=_("shop"))
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    # Variants of one product (sizes, colours) share a family; an agent exchanges only within it,
    # at the same or a lower list price (returns.services.exchange).
    family = models.CharField(
        _("product family"),
        max_length=64,
        blank=True,
        help_text=_("Variants of one product share it, e.g. the parent SKU. Empty: no variants."),
    )
    list_price = models.DecimalField(
        _("list price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The price the shop sells it at now; exchanges are valued at it."),
    )
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"), default=0)
    personalisable = models.BooleanField(_("personalisable"), default=False)
    returnable = models.BooleanField(_("returnable"), default=True)
    stock_on_hand = models.IntegerField(_("stock on hand"), default=0)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="product_unique_sku_per_shop")]

    def __str__(self):
        return f"{self.sku} · {self.title}"


class ShippingSpeed(models.TextChoices):
    STANDARD = "standard", _("Standard")
    EXPRESS = "express", _("Express")
    NEXT_DAY = "next_day", _("Next day")


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders", verbose_name=_("shop"))
    number = models.CharField(_("order number"), max_length=64)
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer"))
    placed_at = models.DateTimeField(_("placed at"))
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2, default=ZERO)
    shipping_total = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(_("tax"), max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(
        _("total"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    sales_channel = models.CharField(_("sales channel"), max_length=40, default="web")
    ship_name = models.CharField(_("recipient"), max_length=200, blank=True)
    ship_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    ship_city = models.CharField(_("city"), max_length=100, blank=True)
    ship_region = models.CharField(_("region"), max_length=100, blank=True)
    ship_country = models.CharField(_("country"), max_length=2, blank=True)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    shipping_speed = models.CharField(
        _("shipping speed"), max_length=16, choices=ShippingSpeed.choices, default=ShippingSpeed.STANDARD
    )
    # A buyer may send a new address after ordering; whoever packs must see it.
    buyer_wrote_before_shipping = models.BooleanField(_("buyer wrote before shipping"), default=False)
    # Set by Postsale (a payment review: a rush order paid by a cheque that has not cleared),
    # never by the shop's order feed.
    held_at = models.DateTimeField(_("on hold since"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="order_unique_number_per_shop"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(shipping_speed__in=ShippingSpeed.values), name="order_shipping_speed_valid"
            ),
        ]
        indexes = [models.Index(fields=["shop", "-placed_at"], name="order_shop_placed")]

    def __str__(self):
        return f"{self.shop.slug} #{self.number}"

    @property
    def is_rush(self) -> bool:
        return self.shipping_speed != ShippingSpeed.STANDARD

    @property
    def shipping_address_lines(self) -> list[str]:
        city = " ".join(part for part in (self.ship_postal_code, self.ship_city) if part)
        lines = [self.ship_name, self.ship_line1, self.ship_line2, city, self.ship_region, self.ship_country]
        return [line for line in lines if line]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    position = models.PositiveSmallIntegerField(_("position"))
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lines",
        verbose_name=_("product"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"), default=0)
    # Exactly as the buyer typed it, as [{"label": ..., "value": ...}]: when a monogram
    # comes out wrong, this is what shows whose mistake it was.
    personalisation = models.JSONField(_("personalisation"), default=list, blank=True)

    class Meta:
        ordering = ["order", "position"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="orderline_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orderline_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def weight_g(self) -> int:
        return self.unit_weight_g * self.quantity


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    PAYPAL = "paypal", _("PayPal")
    INVOICE = "invoice", _("Invoice")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    PERSONAL_CHEQUE = "personal_cheque", _("Personal cheque")
    MONEY_ORDER = "money_order", _("Money order")


class PaymentProvider(models.TextChoices):
    """Who took the money, and so who pays a refund back (`cases.gateways`). Empty: worked out from the payment."""

    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    SHOPIFY = "shopify", "Shopify Payments"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    KLARNA = "klarna", "Klarna"
    ADYEN = "adyen", "Adyen"
    MANUAL = "manual", _("Paid out by hand")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorised")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("order")
    )
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PAID
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # The payment provider's id (charge, capture); disputes are matched on it.
    reference = models.CharField(_("reference"), max_length=120, blank=True, db_index=True)
    provider = models.CharField(
        _("payment provider"), max_length=20, choices=PaymentProvider.choices, blank=True, default=""
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"

    @property
    def is_cleared(self) -> bool:
        return self.cleared_at is not None


class TrackingStatus(models.TextChoices):
    PRE_TRANSIT = "pre_transit", _("Label created")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    AVAILABLE_FOR_PICKUP = "available_for_pickup", _("Ready for pickup")
    DELIVERED = "delivered", _("Delivered")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    EXCEPTION = "exception", _("Exception")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")
    LOST = "lost", _("Lost")
    UNKNOWN = "unknown", _("Unknown")


# The old way of naming uploads, which the first migrations still name; files are stored under
# random names now (orders.files.RandomName).
def shipment_upload_path(instance, filename):
    return f"shipments/{instance.shipment_id}/{filename}"


class Shipment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier")
    )
    service = models.CharField(_("service"), max_length=80, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    packed_weight_g = models.PositiveIntegerField(_("measured packed weight (g)"), null=True, blank=True)
    insured_value = models.DecimalField(
        _("insured value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    signature_required = models.BooleanField(_("signature required"), default=False)
    signed_by = models.CharField(_("signed by"), max_length=120, blank=True)
    label_document = PrivateFileField(
        _("label copy"), kind="shipment-labels", extensions=[*PDF, *IMAGES], blank=True
    )
    status = models.CharField(
        _("status"), max_length=24, choices=TrackingStatus.choices, default=TrackingStatus.PRE_TRANSIT
    )
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last tracking event"), null=True, blank=True)
    estimated_delivery = models.DateField(_("estimated delivery"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_location = models.CharField(_("delivery place"), max_length=200, blank=True)
    # Where the parcel waits for the buyer (a Packstation, a post office, a PostNord ombud)
    # and the last day to fetch it, as the carrier said; kept after it moves on.
    pickup_point = models.CharField(_("pickup point"), max_length=200, blank=True)
    pickup_until = models.DateField(_("pickup until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipped_at", "id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_unique_tracking"),
            models.CheckConstraint(
                condition=Q(status__in=TrackingStatus.values), name="shipment_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "last_event_at"], name="shipment_status_last_event")]

    def __str__(self):
        return f"{self.carrier.code} {self.tracking_number}"

    @property
    def tracking_link(self) -> str:
        return self.carrier.tracking_link(self.tracking_number)

    @property
    def waiting_for_pickup(self) -> bool:
        return self.status == TrackingStatus.AVAILABLE_FOR_PICKUP

    @property
    def pickup_time_over(self) -> bool:
        """The last day to fetch it has passed: the carrier sends it back to the shop."""
        return (
            self.waiting_for_pickup
            and self.pickup_until is not None
            and self.pickup_until < timezone.localdate()
        )


class ShipmentPhoto(models.Model):
    """A packing photo: the proof of what went into the box when a buyer says something was missing."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="photos")
    image = PrivateFileField(_("photo"), kind="shipment-photos", extensions=IMAGES)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        verbose_name = _("packing photo")
        verbose_name_plural = _("packing photos")

    def __str__(self):
        return self.caption or self.image.name


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="events", verbose_name=_("shipment")
    )
    status = models.CharField(_("status"), max_length=24, choices=TrackingStatus.choices)
    carrier_status = models.CharField(_("carrier status code"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    source = models.CharField(_("source"), max_length=32, default="api")
    source_event_id = models.CharField(_("source event id"), max_length=128)
    raw = models.JSONField(_("raw payload"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_event_id"], name="trackingevent_unique_source_id"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TrackingStatus.values), name="trackingevent_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["shipment", "-occurred_at"], name="trackingevent_latest")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class OrderNote(models.Model):
    """A private note on an order; buyers never see these."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes", verbose_name=_("order"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")

    def __str__(self):
        return self.body[:60]
