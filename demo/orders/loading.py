"""Puts the demo into the database: carriers, shops, users, then the orders in chunks.

Orders and tracking events go through `orders.services`, validated by the
API's serializers, like a shop's own feed. Everything is looked up before it is
made, so a second run only tops up.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from config.api_tokens import api_token_create
from orders import services
from orders.api import OrderInSerializer, TrackingEventInSerializer
from orders.models import Buyer, Carrier, Order, Shop

from .buyers import FLAGS
from .carriers import CARRIERS
from .plan import DemoOrder
from .shops import SHOPS, USERS

SOURCE = "demo"


def setup_carriers() -> dict[str, Carrier]:
    carriers = {}
    for code, (name, url) in CARRIERS.items():
        carrier, created = Carrier.objects.get_or_create(
            code=code, defaults={"name": name, "tracking_url": url}
        )
        if not created and not carrier.tracking_url:
            # Created earlier by an order feed that only knew the code.
            carrier.name, carrier.tracking_url = name, url
            carrier.save(update_fields=["name", "tracking_url"])
        carriers[code] = carrier
    return carriers


def setup_shops(carriers: dict[str, Carrier]) -> dict[str, Shop]:
    shop_fields = {f.name for f in Shop._meta.get_fields()}
    shops = {}
    for slug, spec in SHOPS.items():
        defaults = {key: value for key, value in spec.items() if key != "carriers" and key in shop_fields}
        shop, _ = Shop.objects.get_or_create(slug=slug, defaults=defaults)
        shop.carriers.add(*(carriers[code] for code in spec["carriers"]))
        shops[slug] = shop
    return shops


def setup_users(shops: dict[str, Shop]) -> dict[str, User]:
    """The demo's owner and agent, each a member of both shops."""
    users = {}
    for username, group_name, role, (first_name, last_name, email) in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name, "email": email}
        )
        if created:
            user.set_password(username)
            user.save(update_fields=["password"])
        elif not user.email:
            # A demo seeded before the users had addresses: give them theirs, keep anything set by hand.
            user.first_name, user.last_name, user.email = first_name, last_name, email
            user.save(update_fields=["first_name", "last_name", "email"])
        user.groups.add(Group.objects.get(name=group_name))
        for shop in shops.values():
            services.membership_grant(user=user, shop=shop, role=role)
        user.refresh_from_db()
        users[username] = user
    return users


@transaction.atomic
def load_orders(chunk: list[DemoOrder], *, author: User) -> int:
    """Upsert a chunk of orders and ingest their tracking; returns the number of events stored."""
    # The API's serializers check the demo like any shop feed, so the demo cannot drift from the API.
    orders = OrderInSerializer(data=[o.payload for o in chunk], many=True)
    orders.is_valid(raise_exception=True)
    results = services.orders_upsert(items=orders.validated_data)
    events = [event for o in chunk for event in o.events]
    stored = 0
    if events:
        tracking = TrackingEventInSerializer(data=events, many=True)
        tracking.is_valid(raise_exception=True)
        stored = services.tracking_events_ingest(events=tracking.validated_data, source=SOURCE).accepted
    by_number = {(r.order.shop.slug, r.order.number): r for r in results}
    for demo_order in chunk:
        result = by_number[(demo_order.shop, demo_order.number)]
        if demo_order.note and result.created:
            services.order_note_add(order=result.order, author=author, body=demo_order.note)
    return stored


def missing_orders(orders: list[DemoOrder]) -> list[DemoOrder]:
    """The demo orders not in the database yet: a second run only tops up."""
    existing = set(Order.objects.filter(shop__slug__in=SHOPS).values_list("shop__slug", "number"))
    return [o for o in orders if (o.shop, o.number) not in existing]


def flag_buyers(*, by: User) -> int:
    flagged = 0
    # risk_set_at stays empty until someone decides: then the owner's word counts, not the demo's.
    for buyer in Buyer.objects.filter(shop__slug__in=SHOPS, email__in=FLAGS, risk_set_at__isnull=True):
        flag, reason = FLAGS[buyer.email]
        services.buyer_set_risk(buyer=buyer, flag=flag, reason=reason, by=by)
        flagged += 1
    return flagged


# The demo's token starts with this, so a second run replaces it and leaves the owner's own alone.
DEMO_TOKEN_PREFIX = "pst_demo_"


def owner_token(user: User) -> str:
    """A new API token for the demo's owner, in place of the one an earlier run printed.

    Only its hash is stored, so the earlier one cannot be shown again: each run prints a new one.
    """
    user.auth_token_set.filter(token_key__startswith=DEMO_TOKEN_PREFIX).delete()
    _row, token = api_token_create(user=user, prefix=DEMO_TOKEN_PREFIX)
    return token
