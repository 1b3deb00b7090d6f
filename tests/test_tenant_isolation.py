"""Every page and API route, tried by the people of one shop on everything of another.

Linnestugan's agent, owner and shop system are logged in and walk every URL
pattern the site has (the admin's pages of every model included), with the path
filled from Leinen & Liebe's objects: its cases, returns, orders, refunds,
carrier claims and admin rows. Each route is read (GET, and GET with Leinen &
Liebe's shop, order number, buyer and case in the query) and posted to, with a
body that would act on Leinen & Liebe if anything let it through. Nothing of
Leinen & Liebe may come back (its buyer's name or address, order number, case
reference, RMA), a route that names one of its objects never answers 2xx, and
none of its rows changes.

A new route is walked as soon as it exists; one whose path takes a value this
test cannot fill fails here until the test learns it (KWARGS below). The buyer
portal has its own scope (the buyer's order link) and its own tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from cases.choices import ClaimType
from cases.models import (
    Approval,
    ClosedDay,
    OpeningHours,
    OutboundCall,
    OutboundStatus,
    RefundLimit,
    SlaPolicy,
)
from cases.refunds import invoice_reduce
from claims.models import CarrierContract, StallThreshold
from claims.services import carrier_claim_open, claim_resolve
from config.roles import AGENTS
from desk.models import SavedView
from integrations.models import InboundEvent
from integrations.services import integration_configure
from messaging.models import (
    CannedReply,
    DeliveryEvent,
    EmailTemplateOverride,
    InboundAttachment,
    InboundDelivery,
    InboundMessage,
    OutboundMessage,
    OwnerEvent,
    OwnerNotificationSetting,
)
from orders import tenancy
from orders.files import KINDS
from orders.models import ShipmentPhoto, Shop
from orders.services import order_note_add
from returns.models import ReturnPolicy
from returns.services import InspectLine, return_inspect, return_receive
from tests.factories import NAPKINS, api_token, make_claim, make_order, make_return, return_line, track

pytestmark = pytest.mark.django_db

BUYER_EMAIL = "zelda.quarz@example.de"
BUYER_NAME = "Zelda Quarz"
LABEL = f"%PDF-1.4 {BUYER_NAME}, Lindenstr. 1".encode()
ORDER_NUMBER = "LL-47110815"
# Public routes that are not walked here, and why.
NOT_WALKED = {
    "portal.": "the buyer portal: its own scope, the buyer's order link (tests/portal)",
    "messaging.webhooks.esp_webhook": "the ESP's webhooks: they authenticate the ESP, not a user, and name no shop "
    "(tests/messaging)",
    "django.contrib.auth.views.LogoutView": "would end the walker's own session",
}


# --- Leinen & Liebe, with one of everything ---------------------------------------------


@dataclass
class Leinen:
    shop: Shop
    objects: dict  # model -> one row of Leinen & Liebe's
    secrets: list[str]  # what must never reach Linnestugan's people
    case_reference: str


def _png():
    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return SimpleUploadedFile("foto.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def leinen(shop, carrier, agent, owner, integration) -> Leinen:
    order = make_order(shop, number=ORDER_NUMBER, email=BUYER_EMAIL)
    track(order, "delivered", days_ago=2)
    order_note_add(order=order, author=agent, body="Kundin ruft oft an.")
    # One file of each kind, so the walk fetches real files (a PDF naming the buyer: a leak shows).
    shipment = order.shipments.get()
    shipment.label_document.save("label.pdf", ContentFile(LABEL), save=True)
    ShipmentPhoto(shipment=shipment).image.save("box.png", _png(), save=True)
    claim = make_claim(order, ClaimType.DAMAGED, decide=True, actor=agent, photos=[_png()])
    claim.case.refresh_from_db()
    if claim.case.is_open:  # unless the matrix refunded it on its own
        claim_resolve(case=claim.case, action="refund", actor=owner, reason="Beschädigt.")

    lost_order = make_order(
        shop,
        number=f"{ORDER_NUMBER}-2",
        email=BUYER_EMAIL,
        payment={"method": "invoice", "status": "pending", "amount": "30.80", "reference": "inv-walk"},
    )
    lost = make_claim(lost_order, ClaimType.LOST_IN_TRANSIT, actor=agent)
    carrier_claim_open(claim=lost, actor=agent, amount=Decimal("30.00"))
    # An unpaid invoice reduced instead of a refund: its "done in the shop" address is walked too.
    invoice_reduce(case=lost.case, amount=Decimal("10.00"), key="walk-invoice", actor=agent)

    returned_order = make_order(shop, number=f"{ORDER_NUMBER}-3", email=BUYER_EMAIL)
    track(returned_order, "delivered", days_ago=3)
    request = make_return(returned_order, return_line(returned_order))
    return_receive(rma=request.rma, lines={NAPKINS["sku"]: 1})
    return_inspect(rma=request.rma, lines=[InspectLine(NAPKINS["sku"], 1, "opened", photos=(_png(),))])
    request.refresh_from_db()
    assert request.label_pdf, "the return's label is one of the files walked"

    outbound = OutboundMessage.objects.filter(case=claim.case).first()
    DeliveryEvent.objects.create(message=outbound, esp="postmark", event_id="d-1", event_type="delivered")
    inbound = InboundMessage.objects.create(
        case=claim.case, from_email=BUYER_EMAIL, from_name=BUYER_NAME, body="Hallo"
    )
    attachment = InboundAttachment(
        message=inbound, filename="rechnung.pdf", mimetype="application/pdf", size=9
    )
    attachment.file.save("rechnung.pdf", ContentFile(LABEL), save=True)
    InboundDelivery.objects.create(esp="postmark", body=b"{}", sender=BUYER_EMAIL, shop=shop)
    CannedReply.objects.create(shop=shop, language="de", title="Nachbarn", body="Bitte fragen Sie nach.")
    EmailTemplateOverride.objects.create(
        shop=shop, event="refund_issued", language="de", subject="S", body="B"
    )
    OwnerNotificationSetting.objects.create(user=owner, event=OwnerEvent.OWNER_ESCALATION, enabled=False)
    RefundLimit.objects.create(shop=shop, group=Group.objects.get(name=AGENTS), amount=Decimal("100"))
    StallThreshold.objects.create(shop=shop, carrier=carrier, days=9)
    SlaPolicy.objects.create(shop=shop, case_type="", first_response_hours=8)
    OpeningHours.objects.create(shop=shop, weekday=0, opens=time(8), closes=time(17))
    ClosedDay.objects.create(shop=shop, date=date(2026, 12, 24), name="Heiligabend")
    CarrierContract.objects.create(shop=shop, carrier=carrier, liability_limit=Decimal("400"))
    ReturnPolicy.objects.get_or_create(shop=shop)
    integration_configure(shop=shop, source="shopify", secret="geheim")
    InboundEvent.objects.create(
        integration=shop.integrations.get(),
        shop=shop,
        source="shopify",
        provider_event_id="e-1",
        body=f'{{"email": "{BUYER_EMAIL}"}}',
    )
    # A refund Stripe refused: its call waits on the case page for an agent's retry.
    OutboundCall.objects.create(
        shop=shop,
        case=claim.case,
        kind="refund.create",
        provider="stripe",
        idempotency_key="leinen-refund-1",
        status=OutboundStatus.FAILED,
        last_answer=f"No such payment for {BUYER_NAME}",
    )
    # A refund above the agent's limit, waiting in the owners' inbox.
    Approval.objects.create(
        shop=shop,
        case=lost.case,
        action="refund",
        amount=Decimal("30.00"),
        limit=Decimal("0"),
        reason={"reason": f"Verloren, {BUYER_NAME} wartet."},
        requested_by=agent,
    )
    # An agent's saved queue view, shared with Leinen & Liebe's team; its name is the shop's business.
    SavedView.objects.create(user=agent, shop=shop, name=f"Fälle von {BUYER_NAME}", query="q=x", shared=True)
    api_token(integration)
    TOTPDevice.objects.create(user=owner, name="Telefon")
    StaticDevice.objects.create(user=owner, name="backup")

    objects = {}
    for model in admin.site._registry:
        row = _leinen_row(model, shop, owner=owner, agent=agent, integration=integration)
        if row is not None:
            objects[model] = row
    cases = [claim.case, lost.case, request.case]
    orders = [order, lost_order, returned_order]
    secrets = [
        BUYER_NAME,
        BUYER_EMAIL,
        request.rma,
        *(each.number for each in orders),
        *(case.reference for case in cases),
    ]
    return Leinen(shop=shop, objects=objects, secrets=secrets, case_reference=claim.case.reference)


def _rows_of(model, shop):
    """The model's rows that belong to `shop`; None for a model of no shop."""
    path = tenancy.shop_path(model)
    if path is None:
        return None
    return model._default_manager.filter(**{f"{path}__pk" if path else "pk": shop.pk}).order_by("pk")


def _leinen_row(model, shop, *, owner, agent, integration):
    rows = _rows_of(model, shop)
    if rows is not None:
        row = rows.first()
        assert row is not None, f"No {model.__name__} of Leinen & Liebe: add one to the `leinen` fixture."
        return row
    # Rows of people, not shops: Leinen & Liebe's own.
    people = {
        User: agent,
        OwnerNotificationSetting: OwnerNotificationSetting.objects.filter(user=owner).first(),
    }
    if model._meta.label in ("knox.AuthToken", "otp_totp.TOTPDevice", "otp_static.StaticDevice"):
        # An API token and the authenticators: rows of a person, Leinen & Liebe's shop system's
        # and owner's. Only a superuser sees them in the admin.
        return model._default_manager.filter(user__in=[integration, owner]).first()
    return people.get(model)


# --- walking the URL patterns -----------------------------------------------------------


# A path() parameter, <int:pk>; not the name of a regex group, (?P<name>...).
CONVERTER = r"(?<!\?P)<(?:\w+:)?(\w+)>"


@dataclass
class Route:
    pattern: str  # as written, for the report
    kwargs: list[str]
    view: str  # the view's module and name
    name: str
    admin_model: type | None  # for the admin's pages of one model


def _routes(resolver=None, prefix="", admin_model=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            model = admin_model
            for registered in admin.site._registry:
                opts = registered._meta
                if text.endswith(f"admin/{opts.app_label}/{opts.model_name}/"):
                    model = registered
            yield from _routes(entry, text, model)
        elif isinstance(entry, URLPattern):
            names = re.findall(CONVERTER, text) + re.findall(r"\(\?P<(\w+)>", text)
            view = getattr(entry.callback, "view_class", entry.callback)
            yield Route(text, names, f"{view.__module__}.{view.__qualname__}", entry.name or "", admin_model)


def _fill(text: str, values: dict) -> str:
    """The pattern with its parameters filled in, as a path."""
    text = re.sub(CONVERTER, lambda m: str(values[m.group(1)]), text)
    # Regex patterns: named groups take their value, optional unnamed ones are left out.
    while "(?P<" in text:
        start = text.index("(?P<")
        name = text[start + 4 : text.index(">", start)]
        depth, end = 0, start
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + str(values[name]) + text[end + 1 :]
    text = re.sub(r"\([^()]*\)\?", "", text)
    return "/" + text.replace("^", "").replace("$", "").replace("\\", "")


def _kwargs(route: Route, leinen: Leinen) -> tuple[dict, bool]:
    """Values for the route's parameters, and whether one of them names an object of Leinen & Liebe."""
    objects = leinen.objects
    case = objects[apps.get_model("cases", "Case")]
    values, names_leinen = {}, False
    for name in route.kwargs:
        if name == "reference":
            values[name], names_leinen = case.reference, True
        elif name == "rma":
            values[name] = objects[apps.get_model("returns", "ReturnRequest")].rma
            names_leinen = True
        elif name == "pk" and route.admin_model is not None:
            values[name], names_leinen = objects[route.admin_model].pk, True
        elif name == "pk":
            # The object the segment before it names: /orders/<pk>/, /refunds/<pk>/...
            segment = route.pattern.split("<int:pk>")[0].rstrip("/").rsplit("/", 1)[-1]
            model = PK_SEGMENTS.get(segment)
            assert model is not None, f"{route.pattern}: which object is <pk> here? Add it to PK_SEGMENTS."
            row = _rows_of(apps.get_model(model), leinen.shop).first()
            values[name], names_leinen = row.pk, True
        elif name in ("object_id", "id") and route.admin_model is not None:
            row = objects.get(route.admin_model)
            values[name] = row.pk if row is not None else 0
            names_leinen = row is not None and tenancy.shop_path(route.admin_model) is not None
        elif name == "object_id":  # admin/r/<content_type_id>/<object_id>/
            order = objects[apps.get_model("orders", "Order")]
            values[name], names_leinen = order.pk, True
        elif name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(apps.get_model("orders", "Order")).pk
        elif name == "shop":
            values[name], names_leinen = leinen.shop.slug, True
        elif name == "rest":  # the case kernel's old admin addresses
            values[name], names_leinen = f"case/{case.pk}/change/", True
        elif name in KWARGS:
            values[name] = KWARGS[name]
        else:
            pytest.fail(f"{route.pattern}: this test does not know how to fill <{name}>; teach it (KWARGS).")
    return values, names_leinen


PK_SEGMENTS = {
    "orders": "orders.Order",
    "refunds": "cases.Refund",
    "invoice-reductions": "cases.InvoiceReduction",
    "outbound": "cases.OutboundCall",
    "approvals": "cases.Approval",
    "members": "orders.Membership",
    "views": "desk.SavedView",
    "carrier-claim": "claims.CarrierClaim",
    "carrier-claims": "claims.CarrierClaim",
    # /files/<kind>/<pk>/: the row that holds the file
    "claim-photos": "claims.ClaimPhoto",
    "inbound-attachments": "messaging.InboundAttachment",
    "inspection-photos": "returns.InspectionPhoto",
    "return-labels": "returns.ReturnRequest",
    "shipment-labels": "orders.Shipment",
    "shipment-photos": "orders.ShipmentPhoto",
}
# Parameters that name no shop's object: any value will do.
KWARGS = {
    "step": "receive",
    "key": "money",
    "source": "shopify",
    "app_label": "orders",
    "url": "nothing/here/",
    "token": "not-a-token",
    "uidb64": "MQ",
    "rating": 5,
    "verdict": "approve",
}


# --- what Linnestugan's people send, and what must not happen -----------------------------


def _form_body(leinen: Leinen) -> dict:
    """Every field the desk's and the admin's forms act on, aimed at Leinen & Liebe."""
    case = leinen.objects[apps.get_model("cases", "Case")]
    return {
        "action": "refund",
        "amount": "1.00",
        "reason": "walk",
        "body": "walk",
        "status": "closed",
        "flag": "questionable",
        "key": "ask_photos",
        "bulk": "close",
        "case": [case.reference],
        "gateway_reference": "walk",
        "recovered_amount": "1.00",
        "shop": leinen.shop.pk,
        "order": leinen.objects[apps.get_model("orders", "Order")].pk,
        "buyer": leinen.objects[apps.get_model("orders", "Buyer")].pk,
        "user": leinen.objects[User].pk,
        "role": "agent",
        "username": "walker",
        "password": "Walk-1234-walk",
        "post": "yes",
    }


def _json_body(leinen: Leinen) -> dict:
    """An API request that is valid for each API route, aimed at Leinen & Liebe."""
    shipment = leinen.objects[apps.get_model("orders", "Shipment")]
    buyer = {"email": BUYER_EMAIL, "name": "Gestohlen", "language": "de"}
    line = {
        "sku": NAPKINS["sku"],
        "quantity": 1,
        "unit_price": "1.00",
        "reason": "changed_mind",
        "position": 1,
    }
    return {
        # orders/, tracking-events/, claims/, returns/, decisions/evaluate/, cases/.../...
        "shop": leinen.shop.slug,
        "number": ORDER_NUMBER,
        "placed_at": timezone.now().isoformat(),
        "total": "1.00",
        "buyer": buyer,
        "lines": [line],
        "order": {"shop": leinen.shop.slug, "number": ORDER_NUMBER},
        "type": ClaimType.DAMAGED,
        "method": "drop_off",
        "resolution": "refund",
        "carrier": shipment.carrier.code,
        "tracking_number": shipment.tracking_number,
        "event_id": "walk-1",
        "occurred_at": timezone.now().isoformat(),
        "status": "lost",
        "claim_type": ClaimType.DAMAGED,
        "order_value": "10.00",
        "action": "refund",
        "amount": "1.00",
        "reason": "walk",
        "body": "walk",
        "assignee": "sofia",
    }


WRITES = ("INSERT", "UPDATE", "DELETE")


def _snapshot(shop) -> dict:
    """Every row of every model that belongs to the shop, as stored."""
    return {
        model._meta.label: list(rows.values_list())
        for model in apps.get_models()
        if (rows := _rows_of(model, shop)) is not None
    }


@pytest.fixture(params=["swedish_agent", "swedish_owner", "swedish_integration"])
def walker(request, client, swedish_shop, carrier):
    """One of Linnestugan's people, logged in, with Linnestugan's own case to look at."""
    user = request.getfixturevalue(request.param)
    make_claim(make_order(swedish_shop, number="LS-1", email="karin.lind@example.se"), ClaimType.DAMAGED)
    # A crash is an answer too (a 500, no data): the walk goes on and looks at every route.
    client.raise_request_exception = False
    client.force_login(user)
    return client


def test_nothing_of_one_shop_reaches_the_people_of_another(walker, leinen):
    before = _snapshot(leinen.shop)
    query = {
        "shop": leinen.shop.slug,
        "q": BUYER_EMAIL,
        "number": ORDER_NUMBER,
        "case": leinen.case_reference,
    }
    walked, problems = 0, []
    for route in _routes():
        if any(route.view.startswith(prefix) for prefix in NOT_WALKED):
            continue
        values, names_leinen = _kwargs(route, leinen)
        path = _fill(route.pattern, values)
        assert resolve(path).url_name == (route.name or None), f"{route.pattern} filled as {path}"
        if path.startswith("/api/"):
            post = {"data": _json_body(leinen), "content_type": "application/json"}
        else:
            post = {"data": _form_body(leinen)}
        with CaptureQueriesContext(connection) as queries:
            answers = [
                ("GET", walker.get(path), ()),
                # A search box may show what was searched for: only the rest must not appear.
                ("GET with Leinen & Liebe's names in the query", walker.get(path, query), query.values()),
                ("POST", walker.post(path, **post), ()),
            ]
        for method, response, echoed in answers:
            walked += 1
            secrets = [secret for secret in leinen.secrets if secret not in echoed]
            problems += _leaks(f"{method} {path}", response, secrets, names_leinen)
        # Compared only after requests that wrote anything at all: a snapshot reads every table.
        if any(query["sql"].lstrip().upper().startswith(WRITES) for query in queries) and (
            _snapshot(leinen.shop) != before
        ):
            problems.append(f"{path} changed Leinen & Liebe's data")
            before = _snapshot(leinen.shop)
    assert walked > 300
    assert problems == []


def _leaks(request: str, response, secrets: list[str], names_leinen: bool) -> list[str]:
    problems = []
    if names_leinen and 200 <= response.status_code < 300:
        problems.append(f"{request} answered {response.status_code} for an object of Leinen & Liebe")
    text = " ".join(
        [
            # Where a redirect leads; not its query, which repeats ours (?next=...).
            urlsplit(response.headers.get("Location", "")).path,
            response.headers.get("Content-Disposition", ""),
            _body(response) if 200 <= response.status_code < 300 else "",
        ]
    )
    problems += [f"{request} shows {secret!r}" for secret in secrets if secret in text]
    return problems


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_the_walk_sees_leinen_when_its_own_people_look(client, leinen, agent):
    """The same walk's checks, turned around: they do find Leinen & Liebe where it is allowed."""
    client.force_login(agent)

    page = client.get(f"/desk/cases/{leinen.case_reference}/")

    assert page.status_code == 200
    assert _leaks("GET", page, leinen.secrets, names_leinen=True) != []


def test_the_walk_fetches_a_real_file_of_every_kind(client, leinen, owner):
    """The walk's /files/ routes name files that exist: Leinen & Liebe's owner gets each one."""
    client.force_login(owner)
    fetched = {}
    for kind in KINDS:
        row = _rows_of(KINDS[kind].model, leinen.shop).first()
        response = client.get(f"/files/{kind}/{row.pk}/")
        fetched[kind] = (response.status_code, len(_body(response)) > 0)

    assert fetched == {kind: (200, True) for kind in KINDS}
    assert set(KINDS) <= set(PK_SEGMENTS)
