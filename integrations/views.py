"""Webhook endpoints: verify the signature over the raw body, store, answer at once.

Everything slow happens in the Celery task; providers give us seconds (Shopify
5 s) and retry whatever does not get a 2xx in time.
"""

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .lookup import webhook_integration
from .models import WEBHOOK_SOURCES
from .providers import MalformedBody, SignatureInvalid, header, load_json, provider

# Headers kept with every event besides each provider's own.
COMMON_HEADERS = ("Content-Type", "User-Agent")


@csrf_exempt
@require_POST
def webhook(request, source: str, shop: str):
    if source not in WEBHOOK_SOURCES:
        raise Http404("No such provider.")
    integration = webhook_integration(shop_slug=shop, source=source)
    if integration is None:
        raise Http404("No active integration for this shop and provider.")
    module = provider(source)
    body = request.body
    if getattr(module, "is_ping", None) and module.is_ping(body, request.headers):
        # WooCommerce checks the URL with an unsigned ping before it activates the webhook.
        return JsonResponse({"status": "ok"})
    try:
        module.verify(body, request.headers, integration)
        payload = load_json(body)
        event_id, topic = module.identify(payload, request.headers, body)
    except SignatureInvalid as exc:  # a wrong signature, or a right one too old or from the future
        return JsonResponse({"error": str(exc)}, status=401)
    except MalformedBody as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    delivery_id = module.delivery_id(request.headers) if hasattr(module, "delivery_id") else ""
    headers = {
        name: header(request.headers, name)
        for name in (*COMMON_HEADERS, *module.KEPT_HEADERS)
        if header(request.headers, name)
    }
    result = services.inbound_event_receive(
        integration=integration,
        event_id=event_id,
        topic=topic,
        body=body,
        headers=headers,
        delivery_id=delivery_id,
    )
    return JsonResponse({"status": "duplicate" if result.duplicate else "received"})
