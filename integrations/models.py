"""Connections to the systems that push to Postsale: shops, tracking aggregators, payment providers.

Every webhook delivery is kept as it arrived (`InboundEvent`: raw body, the
headers that matter) before anything is done with it, so a failure can be
retried and a whole day replayed. Writes go through `integrations.services`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Shipment, Shop
from returns.models import ReturnRequest

from . import vault


class Source(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    EASYPOST = "easypost", "EasyPost"
    AFTERSHIP = "aftership", "AfterShip"
    STRIPE = "stripe", "Stripe"
    PAYPAL = "paypal", "PayPal"
    POSTNORD = "postnord", "PostNord"
    DHL = "dhl", "DHL"


# The public API each provider answers on, when an integration names none.
DEFAULT_API_URLS = {
    "stripe": "https://api.stripe.com",
    "paypal": "https://api-m.paypal.com",
    "easypost": "https://api.easypost.com",
}

# Sources that call us; PostNord and DHL are asked by the pollers instead.
WEBHOOK_SOURCES = (
    Source.SHOPIFY,
    Source.WOOCOMMERCE,
    Source.EASYPOST,
    Source.AFTERSHIP,
    Source.STRIPE,
    Source.PAYPAL,
)


class Integration(models.Model):
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="integrations", verbose_name=_("shop")
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    # The shared signing secret (Shopify client secret, WooCommerce/EasyPost/AfterShip
    # webhook secret, Stripe endpoint secret `whsec_…`); for PayPal the webhook ID,
    # which is part of the signed string. Never shown again once saved. Both columns
    # hold ciphertext (integrations.vault): use `signing_secret` and `carrier_api_key`.
    secret = models.CharField(_("secret"), max_length=500, blank=True)
    api_key = models.CharField(_("API key"), max_length=500, blank=True)
    # Where Postsale calls the provider (refunds, orders, labels); empty: its public API
    # (`DEFAULT_API_URLS`). Tests and trials point it at a local fake.
    api_url = models.URLField(_("API base URL"), max_length=300, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop", "source"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(fields=["shop", "source"], name="integration_unique_source_per_shop"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="integration_source_valid"),
        ]

    def __str__(self):
        return f"{self.shop.slug} · {self.get_source_display()}"

    @property
    def signing_secret(self) -> str:
        return vault.unseal(self.secret)

    @signing_secret.setter
    def signing_secret(self, value: str) -> None:
        self.secret = vault.seal(value)

    @property
    def carrier_api_key(self) -> str:
        return vault.unseal(self.api_key)

    @carrier_api_key.setter
    def carrier_api_key(self, value: str) -> None:
        self.api_key = vault.seal(value)

    @property
    def api_credentials(self) -> tuple[str, str]:
        """PayPal's client id and secret, WooCommerce's consumer key and secret: sealed together in `api_key`
        as "id:secret" (how HTTP Basic joins them); one key alone (Stripe, Shopify) is ("key", "")."""
        user, _sep, password = self.carrier_api_key.partition(":")
        return user, password

    @property
    def base_url(self) -> str:
        return (self.api_url or DEFAULT_API_URLS.get(self.source, "")).rstrip("/")

    @property
    def receives_webhooks(self) -> bool:
        return self.source in WEBHOOK_SOURCES


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored")


class InboundEvent(models.Model):
    """One webhook delivery, stored before it is acted on."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="events", verbose_name=_("integration")
    )
    # Copied from the integration so the uniqueness below needs no join.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    provider_event_id = models.CharField(_("provider event id"), max_length=200)
    # The signed id of the transmission itself, where the provider signs one (PayPal).
    delivery_id = models.CharField(_("delivery id"), max_length=200, blank=True, default="")
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    body = models.TextField(_("raw body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        constraints = [
            # Providers deliver at least once: the same id twice is one event.
            models.UniqueConstraint(
                fields=["source", "shop", "provider_event_id"], name="inboundevent_unique_provider_id"
            ),
            # A transmission replayed with another body is not a new event either.
            models.UniqueConstraint(
                fields=["source", "shop", "delivery_id"],
                condition=~Q(delivery_id=""),
                name="inboundevent_unique_delivery_id",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InboundStatus.values), name="inboundevent_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inboundevent_status_received"),
            models.Index(fields=["source", "received_at"], name="inboundevent_source_received"),
        ]

    def __str__(self):
        return f"{self.source} {self.topic} {self.provider_event_id}"


class ExternalOrder(models.Model):
    """A shop system's order id, tied to our order.

    Shopify's fulfilment and transaction webhooks name the order by its internal
    id only; `source_updated_at` is the shop's own `updated_at` of the copy we
    applied last, so a late, older copy cannot overwrite a newer one.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="orders", verbose_name=_("integration")
    )
    external_id = models.CharField(_("external id"), max_length=64)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+", verbose_name=_("order"))
    source_updated_at = models.DateTimeField(_("updated at the source"), null=True, blank=True)

    class Meta:
        verbose_name = _("external order")
        verbose_name_plural = _("external orders")
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="externalorder_unique_id"),
        ]

    def __str__(self):
        return f"{self.integration} {self.external_id}"


class ExternalDispute(models.Model):
    """A payment provider's dispute, tied to the chargeback claim it opened.

    Stripe and PayPal deliver a dispute's events out of order; `source_updated_at`
    is the provider's time of the event applied last (Stripe's event `created`,
    PayPal's `update_time`), so a late, older event cannot undo a newer one.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("integration")
    )
    dispute_id = models.CharField(_("dispute reference"), max_length=120)
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="+", verbose_name=_("claim")
    )
    source_updated_at = models.DateTimeField(_("updated at the source"), null=True, blank=True)

    class Meta:
        verbose_name = _("external dispute")
        verbose_name_plural = _("external disputes")
        constraints = [
            models.UniqueConstraint(fields=["integration", "dispute_id"], name="externaldispute_unique_id"),
        ]

    def __str__(self):
        return f"{self.integration} {self.dispute_id}"


class PollState(models.Model):
    """When a polled carrier was last asked about a parcel, and when to ask next."""

    shipment = models.OneToOneField(
        Shipment, on_delete=models.CASCADE, related_name="poll_state", verbose_name=_("shipment")
    )
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, db_index=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("poll state")
        verbose_name_plural = _("poll states")

    def __str__(self):
        return str(self.shipment)


class ReturnPollState(models.Model):
    """When a polled carrier was last asked about a return parcel, until its first scan."""

    return_request = models.OneToOneField(
        ReturnRequest, on_delete=models.CASCADE, related_name="poll_state", verbose_name=_("return")
    )
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, db_index=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("return poll state")
        verbose_name_plural = _("return poll states")

    def __str__(self):
        return str(self.return_request)
