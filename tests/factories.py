"""Test data made through the real services: orders the way shop systems send them, claims and
returns the way buyers and agents open them, decisions the way the matrix makes them."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from cases.choices import ClaimType
from cases.models import Case, CaseKind, OpenedVia
from claims.models import CarrierClaim, CarrierClaimStatus, Claim
from claims.services import carrier_claim_open, carrier_claim_update, claim_open
from config.api_tokens import api_token_create
from decisions import services as decisions
from decisions.engine import DecisionInput
from decisions.models import DecisionRecord
from desk.security import is_privileged, needs_second_factor
from orders.models import Order
from orders.services import orders_upsert, tracking_events_ingest
from returns.eligibility import LineIn
from returns.models import ReturnRequest
from returns.services import InspectionResult, InspectLine, return_inspect, return_receive, return_request

_numbers = itertools.count(1000)
_events = itertools.count(1)
_references = itertools.count(1)

# --- goods ------------------------------------------------------------------------------

NAPKINS = {
    "sku": "SERV-LEIN-12",
    "title": "Leinenservietten, 12 Stück",
    "unit_price": "24.90",
    "unit_weight_g": 545,
}
TABLECLOTH = {
    "sku": "TISCH-LEIN-160",
    "title": "Tischdecke Leinen 160 cm",
    "unit_price": "89.00",
    "unit_weight_g": 900,
}
MONOGRAM_TOWELS = {
    "sku": "HAND-MONO-3",
    "title": "Handtücher mit Monogramm",
    "unit_price": "39.00",
    "unit_weight_g": 600,
    "personalisation": [{"label": "Monogramm", "value": "ABK"}, {"label": "Garnfarbe", "value": "Salbei"}],
}
DUVET = {
    "sku": "SE-BADD-150",
    "title": "Bäddset linne 150x210",
    "unit_price": "1290.00",
    "unit_weight_g": 2900,
}
RUNNER = {"sku": "SE-LOPARE-40", "title": "Löpare linne 40x150", "unit_price": "349.00", "unit_weight_g": 300}

# --- orders and their parcels -----------------------------------------------------------


def make_order(
    shop,
    *,
    number: str | None = None,
    email: str = "anna.berg@example.de",
    language: str = "de",
    lines: list[dict] | None = None,
    total: str | None = None,
    shipping_total: str = "5.90",
    payment: dict | None = None,
    carrier: str = "dhl",
    tracking_number: str | None = None,
    packed_weight_g: int | None = None,
    signature_required: bool = False,
    shipped_days_ago: int = 5,
    needed_by=None,
    shipping_speed: str = "standard",
    ship_country: str = "DE",
    shipped: bool = True,
) -> Order:
    number = number or str(next(_numbers))
    lines = lines or [dict(NAPKINS, quantity=1)]
    goods = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    total = total or str(goods + Decimal(shipping_total))
    item = {
        "shop": shop.slug,
        "number": number,
        "placed_at": timezone.now() - timedelta(days=shipped_days_ago + 1),
        "total": Decimal(total),
        "subtotal": goods,
        "shipping_total": Decimal(shipping_total),
        "buyer": {
            "email": email,
            "name": email.split("@")[0].replace(".", " ").title(),
            "language": language,
        },
        "lines": [dict(line, unit_price=Decimal(line["unit_price"])) for line in lines],
        "payment": payment
        or {
            "method": "card",
            "status": "paid",
            "amount": Decimal(total),
            "reference": f"ch_{number}",
            "cleared_at": timezone.now(),
        },
        "shipments": [],
        "shipping_speed": shipping_speed,
        "ship_name": "Anna Berg",
        "ship_line1": "Lindenstraße 4",
        "ship_postal_code": "10115",
        "ship_city": "Berlin",
        "ship_country": ship_country,
    }
    if needed_by:
        item["needed_by"] = needed_by
    if shipped:
        item["shipments"] = [
            {
                "carrier": carrier,
                "tracking_number": tracking_number or f"00340434{number}",
                "shipped_at": timezone.now() - timedelta(days=shipped_days_ago),
                "packed_weight_g": packed_weight_g,
                "signature_required": signature_required,
            }
        ]
    [result] = orders_upsert(items=[item])
    return Order.objects.select_related("shop", "buyer").get(pk=result.order.pk)


def track(
    order,
    status: str,
    *,
    days_ago: float = 0,
    location: str = "",
    signed_by: str = "",
    estimated_delivery=None,
):
    shipment = order.shipments.select_related("carrier").first()
    event = {
        "carrier": shipment.carrier.code,
        "tracking_number": shipment.tracking_number,
        "event_id": f"t-{next(_events)}",
        "occurred_at": timezone.now() - timedelta(days=days_ago),
        "status": status,
        "location": location,
        "signed_by": signed_by,
        "estimated_delivery": estimated_delivery,
    }
    tracking_events_ingest(events=[event], source="test")
    shipment.refresh_from_db()
    return shipment


# --- claims and returns -----------------------------------------------------------------


def make_claim(
    order: Order,
    type: str = ClaimType.DAMAGED,
    *,
    opened_via: str = OpenedVia.AGENT,
    decide: bool = False,
    **kwargs,
) -> Claim:
    """A claim on the order, opened by claim_open; the matrix is asked for a recommendation only with decide=True.

    kwargs go to claim_open as they are: lines, statement, photos, actor, dispute.
    """
    return claim_open(order=order, type=type, opened_via=opened_via, decide=decide, **kwargs)


def make_claim_cases(shop, count: int, type: str = ClaimType.DAMAGED) -> list[Case]:
    """`count` claims of one type as an agent opens them, each on its own order delivered yesterday: their cases."""
    cases = []
    for _ in range(count):
        order = make_order(shop)
        track(order, "delivered", days_ago=1)
        cases.append(make_claim(order, type).case)
    return cases


def make_carrier_claim(shop, *, actor, status: str = CarrierClaimStatus.DRAFT) -> CarrierClaim:
    """The shop's claim against the carrier for a lost parcel worth 248.20, moved on to `status`."""
    order = make_order(shop, total="248.20")
    claim = make_claim(order, ClaimType.LOST_IN_TRANSIT, opened_via=OpenedVia.API)
    carrier_claim = carrier_claim_open(claim=claim, actor=actor, amount=Decimal("248.20"))
    if status != CarrierClaimStatus.DRAFT:
        carrier_claim_update(carrier_claim=carrier_claim, actor=actor, status=status)
    return carrier_claim


def return_line(order, sku: str = NAPKINS["sku"], quantity: int = 1, reason: str = "changed_mind") -> LineIn:
    """One line of a return: `quantity` of the order's line with that SKU."""
    return LineIn(order_line=order.lines.get(sku=sku), quantity=quantity, reason=reason)


def make_return(
    order: Order,
    *lines: LineIn,
    method: str = "drop_off",
    resolution: str = "refund",
    opened_via: str = OpenedVia.PORTAL,
    **kwargs,
) -> ReturnRequest:
    """A return asked for through return_request: one set of napkins for a refund unless lines say otherwise."""
    return return_request(
        order=order,
        lines=list(lines) or [return_line(order)],
        method=method,
        resolution=resolution,
        opened_via=opened_via,
        **kwargs,
    )


def accept_return(request: ReturnRequest) -> InspectionResult:
    """The parcel arrives with everything announced, and inspection accepts it all as new."""
    lines = list(request.lines.all())
    return_receive(rma=request.rma, lines={line.pk: line.quantity for line in lines})
    return return_inspect(
        rma=request.rma,
        lines=[
            InspectLine(key=line.pk, accepted_quantity=line.quantity, condition="as_new") for line in lines
        ],
    )


# --- decisions --------------------------------------------------------------------------


def make_case(shop, *, order_value="40.00") -> Case:
    """A bare claim case without order or claim: what the decision matrix needs to record a decision on."""
    return Case.objects.create(
        reference=f"C-TEST-{next(_references):06d}",
        kind=CaseKind.CLAIM,
        shop=shop,
        opened_via=OpenedVia.API,
        order_value=Decimal(order_value),
        currency=shop.currency,
    )


def decided_case(shop, inputs: DecisionInput) -> DecisionRecord:
    """A case with one decision of the shop's active matrix on it."""
    case = make_case(shop, order_value=inputs.order_value)
    decision = decisions.evaluate(shop=shop, inputs=inputs)
    return decisions.record_decision(case=case, decision=decision, inputs=inputs, auto_applied=False)


def rule(claim_type="any", action="escalate", reason="because", **fields) -> dict:
    """A rule of a decision matrix as files and the admin give it."""
    return {"claim_type": claim_type, "action": action, "reason": reason, **fields}


# --- photos as phones take them -----------------------------------------------------------

# Where the photo was taken, as a phone writes it into the EXIF data: a buyer's home.
HOME = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}


def gps_jpeg(name: str = "IMG_2041.jpg") -> SimpleUploadedFile:
    """A 40×20 JPEG with the phone's model, an orientation (turned 90°) and the GPS position of HOME."""
    exif = Image.Exif()
    exif[0x0110] = "Pixel 8"  # Model
    exif[0x0112] = 6  # Orientation: the camera was held upright
    exif[0x8825] = HOME  # GPSInfo
    out = BytesIO()
    Image.new("RGB", (40, 20), (200, 40, 40)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def metadata_of(data: bytes) -> dict:
    """What Pillow finds in a picture: its EXIF tags, its GPS position and its size."""
    with Image.open(BytesIO(data)) as image:
        exif = image.getexif()
        return {"exif": dict(exif), "gps": dict(exif.get_ifd(0x8825)), "size": image.size}


# --- logging in -------------------------------------------------------------------------


def log_in(client, username: str, password: str, *, next_: str = "/desk/", **extra):
    """Log in through the login page, as a browser does (throttled by django-axes; no code asked yet)."""
    return client.post(
        f"/accounts/login/?next={next_}", {"username": username, "password": password, "next": next_}, **extra
    )


def api_token(user, *, days: int | None = None) -> str:
    """A new API token for `user`, as `manage.py create_api_token` makes it (only its hash is stored)."""
    _row, token = api_token_create(user=user, days=days)
    return token


def totp_code(device) -> str:
    """The code the user's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def authenticator(user):
    """The user's authenticator app, set up and confirmed (one per user, made on first use)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="tests", defaults={"confirmed": True})
    return device


def log_in_in_browser(page, url: str, user, password: str) -> None:
    """Log in on the login page at `url`, and give the authenticator's code where Postsale asks for one."""
    device = authenticator(user) if needs_second_factor(user, privileged=is_privileged(user)) else None
    page.goto(url)
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url("**/accounts/2fa/?**")
        page.fill("input[name=code]", totp_code(device))
        page.click("button[type=submit]")
