"""Carrier return labels through EasyPost: one return shipment, its cheapest rate bought once.

`POST /v2/shipments` (JSON, HTTP Basic with the API key as user name) with
`is_return: true`, the shop's return address as `to_address`, the buyer's as
`from_address`, the parcel's weight in ounces, and `options.label_format: PDF`;
then `POST /v2/shipments/{id}/buy` with the cheapest rate of the policy's
preferred carrier (and service). The label PDF is fetched from
`postage_label.label_pdf_url` (or `label_url`); a carrier that takes label-free
drop-off adds a `forms` entry of type `label_qr_code`.

EasyPost knows no idempotency key, so the call is made safe here: the shipment's
id is written on the outbound call as soon as EasyPost answers the create, and
every later attempt fetches that shipment instead of creating another; a
shipment that already has `postage_label` is not bought again. What can still
happen is an unanswered create (a timeout after EasyPost made it): the retry
creates a second shipment, but only one is ever bought, and an unbought
shipment costs nothing.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation

from cases.models import OutboundCall
from cases.outbound import Answer, Refused, Transient
from returns.models import ReturnMethod, ReturnPolicy, ReturnRequest
from returns.services import policy_for

from ..models import Integration, Source
from ..outbound import basic_auth, download, request
from .easypost_pickups import book_pickup

GRAMS_PER_OUNCE = 28.349523125
PDF_BYTES = 5_000_000


def easypost_integration(shop_id: int) -> Integration | None:
    return Integration.objects.filter(shop_id=shop_id, source=Source.EASYPOST, active=True).first()


def _call(method: str, url: str, *, api_key: str = "", body: dict | None = None, raw: bool = False):
    """One request through the shared client (`integrations.outbound`): the parsed JSON, or the bytes."""
    if raw:
        return download(url, max_bytes=PDF_BYTES)
    headers = {"Authorization": basic_auth(api_key, "")} if api_key else {}
    answer = request(method, url, json_body=body, headers=headers)
    if answer.body and not answer.data:
        raise Transient(f"EasyPost answered HTTP {answer.status_code} with something that is not JSON.")
    return answer.data


def _address(name: str, street1: str, street2: str, zip_code: str, city: str, country: str, **more) -> dict:
    return {
        "name": name,
        "street1": street1,
        "street2": street2,
        "zip": zip_code,
        "city": city,
        "country": country,
        **{key: value for key, value in more.items() if value},
    }


def parcel_weight_g(request: ReturnRequest, policy: ReturnPolicy) -> int:
    """The returned goods' weight where every product has one, else the policy's default."""
    weights = [
        (line.order_line.unit_weight_g or getattr(line.order_line.product, "unit_weight_g", 0))
        * line.quantity
        for line in request.lines.select_related("order_line__product")
    ]
    if not weights or not all(weights):
        return policy.label_default_weight_g
    return sum(weights)


def shipment_request(request: ReturnRequest, policy: ReturnPolicy) -> dict:
    order, shop = request.order, request.order.shop
    if not policy.has_return_address:
        raise Refused(
            "The shop's return policy has no return address: a carrier cannot deliver the label's parcel."
        )
    if not (order.ship_line1 and order.ship_postal_code and order.ship_city):
        raise Refused(f"Order {order.number} has no full shipping address to collect the return from.")
    ounces = parcel_weight_g(request, policy) / GRAMS_PER_OUNCE
    return {
        "shipment": {
            "is_return": True,
            "reference": request.rma,
            "to_address": _address(
                policy.return_name or shop.name,
                policy.return_line1,
                policy.return_line2,
                policy.return_postal_code,
                policy.return_city,
                policy.return_country or order.ship_country,
                company=shop.name,
                email=shop.support_email,
                phone=shop.support_phone,
            ),
            "from_address": _address(
                order.ship_name or order.buyer.name,
                order.ship_line1,
                order.ship_line2,
                order.ship_postal_code,
                order.ship_city,
                order.ship_country,
                state=order.ship_region,
                email=order.buyer.email,
            ),
            # EasyPost weighs in ounces, to a tenth.
            "parcel": {"weight": math.ceil(ounces * 10) / 10},
            "options": {"label_format": "PDF"},
        }
    }


def _price(rate: dict) -> Decimal:
    try:
        return Decimal(str(rate.get("rate")))
    except (InvalidOperation, ValueError):
        return Decimal("Infinity")


def choose_rate(rates: list[dict], policy: ReturnPolicy) -> dict:
    """The cheapest rate of the first preferred carrier that offers one (and of the preferred service)."""
    service = policy.label_service.strip().lower()
    usable = [rate for rate in rates if not service or str(rate.get("service", "")).lower() == service]
    preferred = [name.strip().lower() for name in policy.label_carriers.split(",") if name.strip()]
    for carrier in preferred or [None]:
        offered = [r for r in usable if carrier is None or str(r.get("carrier", "")).lower() == carrier]
        if offered:
            return min(offered, key=_price)
    wanted = policy.label_carriers or "any carrier"
    raise Refused(
        f"EasyPost offered no rate of {wanted}{' for ' + policy.label_service if service else ''}: "
        f"offered {', '.join(sorted({str(r.get('carrier')) + ' ' + str(r.get('service')) for r in rates})) or 'none'}."
    )


def qr_code_url(shipment: dict) -> str:
    for form in shipment.get("forms") or []:
        if isinstance(form, dict) and form.get("form_type") == "label_qr_code" and form.get("form_url"):
            return str(form["form_url"])
    return ""


def send_label(call: OutboundCall) -> Answer:
    integration = easypost_integration(call.shop_id)
    api_key = integration.carrier_api_key if integration else ""
    if not api_key:
        raise Refused("The shop's EasyPost integration has no API key (configure_integration --api-key).")
    request = ReturnRequest.objects.select_related("order__shop", "order__buyer").get(rma=call.payload["rma"])
    policy = policy_for(request.order.shop)
    base = f"{integration.base_url}/v2/shipments"
    # Read again: the attempt before this one may have written it after this row was claimed.
    shipment_id = OutboundCall.objects.values_list("payload", flat=True).get(pk=call.pk).get("shipment_id")
    if shipment_id:
        shipment = _call("GET", f"{base}/{shipment_id}", api_key=api_key)
    else:
        shipment = _call("POST", base, api_key=api_key, body=shipment_request(request, policy))
        shipment_id = str(shipment.get("id") or "")
        if not shipment_id:
            raise Transient("EasyPost made a shipment without an id.")
        # Written at once, outside the attempt's outcome: a retry must find this shipment, not make one.
        OutboundCall.objects.filter(pk=call.pk).update(payload={**call.payload, "shipment_id": shipment_id})
    if not shipment.get("postage_label"):
        rate = choose_rate(shipment.get("rates") or [], policy)
        shipment = _call(
            "POST", f"{base}/{shipment_id}/buy", api_key=api_key, body={"rate": {"id": rate["id"]}}
        )
    label = shipment.get("postage_label") or {}
    pdf_url = label.get("label_pdf_url") or label.get("label_url") or ""
    if not pdf_url:
        raise Transient("EasyPost bought the label but gave no label URL yet.")
    pdf = _call("GET", pdf_url, raw=True)
    if not pdf.startswith(b"%PDF") or len(pdf) > PDF_BYTES:
        raise Refused(f"The label at {pdf_url} is not a PDF: set the label format to PDF at EasyPost.")
    selected = shipment.get("selected_rate") or {}
    data = {
        "pdf": pdf,
        "shipment_id": shipment_id,
        "tracking_number": str(shipment.get("tracking_code") or ""),
        "carrier": str(selected.get("carrier") or ""),
        "service": str(selected.get("service") or ""),
        "qr_code_url": qr_code_url(shipment),
    }
    if request.method == ReturnMethod.PICKUP:
        data["pickup"] = book_pickup(
            call, request, shipment, base=integration.base_url, api_key=api_key, http=_call
        )
    summary = {k: v for k, v in data.items() if k != "pdf"}
    return Answer(status_code=200, body=json.dumps(summary), reference=shipment_id, data=data)


def send_pickup(call: OutboundCall) -> Answer:
    """A new pickup for a label bought earlier: the shipment (addresses, carrier) is read back from EasyPost."""
    integration = easypost_integration(call.shop_id)
    api_key = integration.carrier_api_key if integration else ""
    if not api_key:
        raise Refused("The shop's EasyPost integration has no API key (configure_integration --api-key).")
    request = ReturnRequest.objects.select_related("order__shop").get(rma=call.payload["rma"])
    base = integration.base_url
    shipment = _call("GET", f"{base}/v2/shipments/{call.payload['shipment_id']}", api_key=api_key)
    pickup = book_pickup(call, request, shipment, base=base, api_key=api_key, http=_call)
    return Answer(status_code=200, body=json.dumps(pickup), reference=pickup.get("id", ""), data={"pickup": pickup})
