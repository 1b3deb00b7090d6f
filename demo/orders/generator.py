"""Builds the demo orders from the data beside it, all from one seeded random source.

Every draw comes from one `random.Random` in a fixed order, and every time is
counted back from one anchor (when the German demo shop was first created), so
every run builds the same orders with the same numbers.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .buyers import BUYER_MIX, CITIES, COUNTRIES, FIRST, LAST, MAIL_HOSTS, STREET_STYLE, STREETS
from .parcels import Parcels
from .plan import CENT, DemoBuyer, DemoOrder, pick
from .products import KIND_WEIGHT, MAX_QUANTITY, MONOGRAM_LABELS, PRODUCTS, THREAD_COLOURS, Product
from .shops import DE_SHOP, SE_SHOP, SHIPPING_FEE, SHOPS, VAT
from .stories import story_orders

SEED = 20250614
DAYS = 90  # how far back the orders go


class Generator:
    """Builds the demo orders. One instance per run; every draw comes from `self.rng`."""

    def __init__(self, *, anchor: datetime, seed: int = SEED):
        self.anchor = anchor.replace(second=0, microsecond=0)
        self.rng = random.Random(seed)
        self.parcels = Parcels(rng=self.rng, anchor=self.anchor)

    def buyer(self, shop: str, language: str | None = None, **fixed) -> DemoBuyer:
        rng = self.rng
        language = language or pick(rng, BUYER_MIX[shop])
        buyer = DemoBuyer(
            language=language,
            first=fixed.get("first") or rng.choice(FIRST[language]),
            last=fixed.get("last") or rng.choice(LAST[language]),
            country=fixed.get("country") or pick(rng, COUNTRIES[(shop, language)]),
            salutation=fixed.get("salutation", ""),
        )
        host = fixed.get("host") or rng.choice(MAIL_HOSTS[language])
        buyer.email = f"{_ascii(buyer.first)}.{_ascii(buyer.last)}@{host}".replace(" ", "")
        return buyer

    def buyer_pool(self, shop: str, size: int) -> list[DemoBuyer]:
        pool = {}
        while len(pool) < size:
            buyer = self.buyer(shop)
            pool.setdefault(buyer.email, buyer)
        return list(pool.values())

    def monogram(self, shop: str, buyer: DemoBuyer) -> list[dict]:
        # Traditional three-letter monogram: first name, surname, middle initial of a partner or family.
        letters = f"{buyer.first[0]}{buyer.last[0]}{self.rng.choice('ABDEHJKLMNRSTW')}".upper()
        monogram_label, colour_label = MONOGRAM_LABELS[shop]
        return [
            {"label": monogram_label, "value": letters},
            {"label": colour_label, "value": self.rng.choice(THREAD_COLOURS[shop])},
        ]

    def lines(self, shop: str, buyer: DemoBuyer) -> list[tuple[Product, int, list[dict]]]:
        rng = self.rng
        products = PRODUCTS[shop]
        chosen: dict[str, Product] = {}
        for _ in range(pick(rng, [(1, 55), (2, 30), (3, 15)])):
            product = rng.choices(products, weights=[KIND_WEIGHT[p.kind] for p in products])[0]
            chosen[product.sku] = product
        result = []
        for product in chosen.values():
            quantity = rng.randint(1, MAX_QUANTITY[product.kind])
            personalisation = self.monogram(shop, buyer) if product.monogram else []
            result.append((product, quantity, personalisation))
        return result

    def random_order(self, shop: str, pool: list[DemoBuyer]) -> DemoOrder:
        rng = self.rng
        # Regulars order again: the first tenth of the pool is drawn far more often.
        regulars = pool[: max(1, len(pool) // 10)]
        buyer = rng.choice(regulars) if rng.random() < 0.25 else rng.choice(pool)
        # More orders lately than three months ago: the shop is growing.
        age = timedelta(days=DAYS * (1 - rng.random() ** 0.8), minutes=rng.randint(0, 600))
        placed_at = (self.anchor - age).replace(hour=rng.randint(6, 22), second=0, microsecond=0)
        if placed_at > self.anchor:
            placed_at -= timedelta(days=1)
        order = DemoOrder(shop=shop, placed_at=placed_at, buyer=buyer, lines=self.lines(shop, buyer))
        order.speed = pick(rng, [("standard", 92), ("express", 6), ("next_day", 2)])
        if rng.random() < 0.06:
            # A christening, a birthday, midsummer: the buyer says when it must be there.
            order.needed_by = (placed_at + timedelta(days=rng.randint(7, 21))).date()
        return order

    def build(self, *, per_shop: dict[str, int]) -> list[DemoOrder]:
        orders = story_orders(self)
        for shop, count in per_shop.items():
            pool = self.buyer_pool(shop, max(20, count))
            orders += [self.random_order(shop, pool) for _ in range(count)]
        for shop, prefix, first in ((DE_SHOP, "LL-", 24101), (SE_SHOP, "LS-", 5301)):
            mine = sorted((o for o in orders if o.shop == shop), key=lambda o: o.placed_at)
            for index, order in enumerate(mine):
                order.number = f"{prefix}{first + index}"
        for order in orders:
            self.complete(order)
        return orders

    def complete(self, order: DemoOrder) -> None:
        """Fill in payment, address, shipment and the tracking story of one order."""
        rng, shop, buyer = self.rng, order.shop, order.buyer
        subtotal = sum((p.price * q for p, q, _ in order.lines), Decimal("0"))
        fee, free_from = SHIPPING_FEE[shop]
        shipping = Decimal("0") if subtotal >= free_from else fee
        if order.speed != "standard":
            shipping += fee * 3
        total = subtotal + shipping
        tax = (total * VAT[shop] / (1 + VAT[shop])).quantize(CENT, ROUND_HALF_UP)
        postal_code, city = rng.choice(CITIES[buyer.country])
        street_style = STREET_STYLE.get(buyer.country, "en")
        house = rng.randint(1, 88)
        line1 = (
            f"{house} {rng.choice(STREETS['en'])}"
            if street_style == "en"
            else f"{rng.choice(STREETS[street_style])} {house}"
        )
        order.payload = {
            "shop": shop,
            "number": order.number,
            "placed_at": order.placed_at,
            "currency": SHOPS[shop]["currency"],
            "subtotal": subtotal.quantize(CENT),
            "shipping_total": shipping.quantize(CENT),
            "tax_total": tax,
            "total": total.quantize(CENT),
            "sales_channel": pick(rng, [("web", 75), ("etsy", 15), ("amazon", 7), ("phone", 3)]),
            "shipping_address": {
                "name": buyer.name,
                "line1": line1,
                "postal_code": postal_code,
                "city": city,
                "country": buyer.country,
            },
            "needed_by": order.needed_by,
            "shipping_speed": order.speed,
            "buyer": {
                "email": buyer.email,
                "name": buyer.name,
                "language": buyer.language,
                "salutation": buyer.salutation,
                "first_name": buyer.first,
                "last_name": buyer.last,
            },
            "lines": [
                {
                    "sku": product.sku,
                    "title": product.title,
                    "quantity": quantity,
                    "unit_price": product.price,
                    "unit_weight_g": product.weight_g,
                    "personalisation": personalisation,
                    "list_price": product.price,
                    "product_family": product.family,
                }
                for product, quantity, personalisation in order.lines
            ],
            "payment": self.payment(order, total.quantize(CENT)),
            "shipments": [],
        }
        self.parcels.ship(order, city, total)

    def payment(self, order: DemoOrder, total: Decimal) -> dict:
        rng = self.rng
        if order.payment_method == "personal_cheque":
            return {
                "method": "personal_cheque",
                "status": "pending",
                "amount": total,
                "reference": f"CHQ-{order.number}",
                "cleared_at": None,
            }
        weights = (
            [("card", 35), ("paypal", 35), ("invoice", 15), ("bank_transfer", 14), ("money_order", 1)]
            if order.shop == DE_SHOP
            else [("card", 50), ("invoice", 32), ("paypal", 15), ("bank_transfer", 3)]
        )
        method = pick(rng, weights)
        # Invoices are paid within two weeks, transfers within days; until then they are pending.
        wait = {"invoice": rng.uniform(5, 14), "bank_transfer": rng.uniform(1, 3), "money_order": 6}.get(
            method, rng.uniform(0, 0.01)
        )
        cleared_at = order.placed_at + timedelta(days=wait)
        paid = cleared_at <= self.anchor
        reference = {
            "card": f"ch_{rng.randrange(16**24):024x}",
            "paypal": f"PAYID-{rng.randrange(16**24):024X}",
            "invoice": f"RE-{order.number}",
            "bank_transfer": f"SEPA-{order.number}" if order.shop == DE_SHOP else f"BG-{order.number}",
            "money_order": f"MO-{order.number}",
        }[method]
        return {
            "method": method,
            "status": "paid" if paid else "pending",
            "amount": total,
            "reference": reference,
            "cleared_at": cleared_at.replace(microsecond=0) if paid else None,
        }


def _ascii(text: str) -> str:
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("å", "a").replace("'", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
