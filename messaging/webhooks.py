"""/anymail/<esp>/…: the configured ESP's webhooks, and nobody else's.

Only the ESP named by POSTSALE_WEBHOOK_ESP answers; every other path is a 404.
A request that fails anymail's checks (the shared secret, the ESP's signature)
gets a 401 and writes nothing. With DEBUG off and no secret configured the
routes answer 503 (the system check `messaging.E001` stops such a server from
starting; this is for one started anyway): the ESP keeps the mail and retries.

Mail is stored as posted and read by a worker (`services.deliveries`); delivery
events are small, signed and written by the ESP, and are applied at once
through anymail's tracking signal.
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from . import esp
from .services.deliveries import inbound_delivery_store
from .services.tracking import delivery_event_record

log = logging.getLogger(__name__)


def _refused(name: str, reason: Exception) -> HttpResponse:
    log.warning("Refused an unauthenticated %s webhook: %s", name, reason)
    # 401 with a challenge: Amazon SNS sends its basic-auth credentials only after one.
    return HttpResponse(
        "Unauthorized", status=401, headers={"WWW-Authenticate": 'Basic realm="Postsale ESP webhooks"'}
    )


@csrf_exempt
def esp_webhook(request, route: str):
    name = esp.configured_esp()
    if not name or route.split("/", 1)[0] != name:
        raise Http404
    match = esp.anymail_route(route)
    if match is None:
        raise Http404
    problem = "" if settings.DEBUG else esp.protection_problem(name)
    if problem:
        log.error("Refused a %s webhook: %s", name, problem)
        return HttpResponse("Webhooks are not configured", status=503)
    if esp.carries_mail(match):
        return _store_mail(request, name, route, match)
    try:
        return match.func(request, *match.args, **match.kwargs)
    except AnymailWebhookValidationFailure as exc:
        return _refused(name, exc)


def _store_mail(request, name: str, route: str, match) -> HttpResponse:
    if request.method in ("HEAD", "OPTIONS"):
        return HttpResponse()  # ESPs check that the URL exists before they post to it
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST", "HEAD"])
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.POSTSALE_INBOUND_MAX_BYTES:
        return HttpResponse("Too large", status=413)
    # Read before the checks: a check that reads the form would leave the body unreadable.
    body = request.body
    view = match.func.view_class(**match.func.view_initkwargs)
    try:
        view.run_validators(request)
    except AnymailWebhookValidationFailure as exc:
        return _refused(name, exc)
    except AnymailError as exc:  # a post the ESP's checks cannot even read, e.g. an unknown SNS type
        return HttpResponse(str(exc), status=400)
    inbound_delivery_store(
        esp_name=name,
        route=route,
        content_type=request.META.get("CONTENT_TYPE", ""),
        body=body,
        meta=esp.request_headers(request),
    )
    return HttpResponse()


@receiver(tracking, dispatch_uid="messaging.tracking")
def on_tracking(sender, event, esp_name, **kwargs):
    delivery_event_record(esp=esp_name.lower(), **esp.tracking_fields(event))
