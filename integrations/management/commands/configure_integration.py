from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from orders.models import Shop

from ...models import Source
from ...services import integration_configure

WHERE = {
    Source.SHOPIFY: "Shopify admin → Settings → Notifications → Webhooks (or your app's webhook subscriptions)",
    Source.WOOCOMMERCE: "WooCommerce → Settings → Advanced → Webhooks → Add webhook (Delivery URL)",
    Source.EASYPOST: "EasyPost dashboard → Account settings → Webhooks → Add webhook",
    Source.AFTERSHIP: "AfterShip → Settings → Webhooks → Webhook URL",
    Source.STRIPE: "Stripe dashboard → Developers → Webhooks → Add endpoint",
    Source.PAYPAL: "PayPal developer dashboard → your app → Webhooks → Add webhook",
}


class Command(BaseCommand):
    help = "Connect a shop to a provider and print the webhook URL to paste there."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="the shop's slug")
        parser.add_argument("--source", required=True, choices=Source.values)
        parser.add_argument("--secret", default="", help="signing secret (PayPal: the webhook ID)")
        parser.add_argument(
            "--api-key",
            default=None,
            help=(
                "API key: Stripe's secret or restricted key (rk_…) for refunds; Shopify's Admin API access "
                "token (shpat_…); PayPal's CLIENT_ID:SECRET; WooCommerce's CONSUMER_KEY:CONSUMER_SECRET; "
                "PostNord/DHL's own"
            ),
        )
        parser.add_argument(
            "--api-url",
            default=None,
            help=(
                "the provider's API base URL (default its public API, e.g. https://api.stripe.com); "
                "the shop's own for Shopify (https://SHOP.myshopify.com) and WooCommerce"
            ),
        )

        parser.add_argument(
            "--api-secret",
            default=None,
            help="the secret that goes with --api-key: PayPal's client secret, WooCommerce's consumer secret",
        )

    def handle(self, *args, shop, source, secret, api_key, api_url, api_secret=None, **options):
        if api_secret is not None:
            if not api_key:
                raise CommandError("--api-secret needs --api-key (the client id or consumer key) too.")
            api_key = f"{api_key.strip()}:{api_secret.strip()}"
        try:
            shop_obj = Shop.objects.get(slug=shop)
        except Shop.DoesNotExist as exc:
            raise CommandError(f"No shop with slug {shop!r}.") from exc
        try:
            integration = integration_configure(
                shop=shop_obj, source=source, secret=secret, api_key=api_key, api_url=api_url
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{integration} is active.")
        if integration.receives_webhooks:
            url = settings.SITE_URL + reverse("integrations:webhook", args=[source, shop])
            self.stdout.write(f"Paste this URL in {WHERE[source]}:")
            self.stdout.write(url)
        else:
            self.stdout.write("Polled every 30 minutes; nothing to paste.")
