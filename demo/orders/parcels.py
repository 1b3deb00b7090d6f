"""A demo order's parcel: which carrier takes it, and the scans of its way, as the carrier would send them.

How the way ends is the order's story (delivered, stalled, lost, returned ...);
a random order gets one drawn, most of them delivered. Scans after the anchor
time have not happened yet: the parcel is still on its way.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from .buyers import LAST
from .carriers import DROP_PLACES, HUBS, SERVICES, STEP_TEXTS
from .plan import CENT, DemoOrder, pick
from .shops import DE_SHOP, ORIGIN, SIGNATURE_ABOVE


class Parcels:
    """Ships the demo orders; draws from the generator's random source, so a run stays the same run."""

    def __init__(self, *, rng: random.Random, anchor: datetime):
        self.rng = rng
        self.anchor = anchor
        self.used_tracking: set[str] = set()

    def carrier_for(self, shop: str, country: str, speed: str) -> str:
        if speed != "standard":
            return pick(self.rng, [("ups", 70), ("dpd" if shop == DE_SHOP else "dhl", 30)])
        domestic = country == ORIGIN[shop][1]
        if shop == DE_SHOP:
            if domestic:
                return pick(self.rng, [("dhl", 60), ("dpd", 20), ("hermes", 20)])
            if country in ("AT", "CH", "NL"):
                return pick(self.rng, [("dhl", 70), ("dpd", 30)])
            return pick(self.rng, [("dhl", 50), ("ups", 50)])
        if domestic:
            return pick(self.rng, [("postnord", 70), ("dhl", 15), ("bring", 15)])
        if country == "NO":
            return pick(self.rng, [("bring", 80), ("postnord", 20)])
        if country in ("FI", "DK"):
            return "postnord"
        return pick(self.rng, [("dhl", 50), ("ups", 50)])

    def tracking_number(self, carrier: str, shop: str) -> str:
        rng = self.rng
        while True:
            number = {
                "dhl": lambda: f"00340434{rng.randrange(10**12):012d}",
                "dpd": lambda: f"0150{rng.randrange(10**10):010d}",
                "hermes": lambda: f"H100{rng.randrange(10**16):016d}",
                "postnord": lambda: f"00373500{rng.randrange(10**12):012d}",
                "bring": lambda: f"70438101{rng.randrange(10**9):09d}",
                "ups": lambda: f"1Z{'A9V237' if shop == DE_SHOP else 'W25R47'}68{rng.randrange(10**8):08d}",
            }[carrier]()
            if number not in self.used_tracking:
                self.used_tracking.add(number)
                return number

    def transit_days(self, carrier: str, domestic: bool, speed: str) -> int:
        if speed != "standard":
            return 1 if domestic else 2
        low, high = (1, 2) if domestic else (3, 5)
        if carrier == "hermes":
            high += 1
        return self.rng.randint(low, high)

    def ship(self, order: DemoOrder, city: str, total: Decimal) -> None:
        rng, shop, buyer = self.rng, order.shop, order.buyer
        if order.story == "unshipped":
            return
        shipped_at = order.placed_at + timedelta(hours=rng.randint(14, 40))
        shipped_at = shipped_at.replace(hour=rng.randint(14, 17), minute=rng.randint(0, 59))
        if order.story != "random":
            shipped_at = (order.placed_at + timedelta(days=1)).replace(hour=15, minute=30)
        if shipped_at > self.anchor:
            return  # still being packed
        domestic = buyer.country == ORIGIN[shop][1]
        carrier = order.carrier or self.carrier_for(shop, buyer.country, order.speed)
        regular, express = SERVICES[carrier]
        goods_g = sum(p.weight_g * q for p, q, _ in order.lines)
        # Box, tissue paper and tape, plus the scale's own noise.
        packed = order.packed_weight_g or goods_g + rng.randint(180, 320)
        days = self.transit_days(carrier, domestic, order.speed)
        signature = total >= SIGNATURE_ABOVE[shop] or order.speed == "next_day"
        tracking = self.tracking_number(carrier, shop)
        order.payload["shipments"] = [
            {
                "carrier": carrier,
                "service": express if order.speed != "standard" else regular[0 if domestic else 1],
                "tracking_number": tracking,
                "shipped_at": shipped_at,
                "packed_weight_g": packed,
                "insured_value": total.quantize(CENT) if signature else None,
                "signature_required": signature,
                "estimated_delivery": (shipped_at + timedelta(days=days)).date(),
            }
        ]
        order.events = self.events(order, carrier, tracking, shipped_at, days, city, signature)

    def events(self, order, carrier, tracking, shipped_at, days, city, signature) -> list[dict]:
        rng, shop = self.rng, order.shop
        story = order.story
        if story == "random":
            age = (self.anchor - shipped_at).days
            if 10 <= age <= 25 and rng.random() < 0.08:
                story = "stalled"
            elif age >= 12 and rng.random() < 0.025:
                story = "returned"
            elif age >= 30 and rng.random() < 0.01:
                story = "lost"
            elif 2 <= age < 10 and rng.random() < 0.12:
                story = "failed"
            elif 2 <= age < 10 and rng.random() < 0.12:
                story = "pickup_point"
            elif rng.random() < 0.015:
                story = "exception"
            else:
                story = "delivered"
        dest = f"{city}, {order.buyer.country}"
        start = shipped_at - timedelta(hours=rng.randint(2, 5))
        t_out = shipped_at + timedelta(days=days)
        t_out = t_out.replace(hour=rng.randint(6, 8), minute=rng.randint(0, 59))
        path = [
            ("label", start, ORIGIN[shop][0]),
            ("pickup", shipped_at, ORIGIN[shop][0]),
            ("hub", shipped_at + timedelta(hours=rng.randint(4, 9)), HUBS[carrier]),
            ("dest", t_out - timedelta(hours=rng.randint(3, 6)), dest),
        ]
        deliver_at = t_out + timedelta(hours=rng.randint(2, 7), minutes=rng.randint(0, 59))
        if story == "stalled":
            # The last scan is over a week old and nothing follows: a parcel stuck in a hub.
            path = path[:3]
            if order.story == "stalled":
                last_scan = self.anchor - timedelta(days=rng.randint(8, 12), hours=rng.randint(0, 9))
                path[2] = ("hub", max(last_scan, shipped_at + timedelta(hours=5)), HUBS[carrier])
        elif story == "lost":
            path = path[:3] + [("lost", path[2][1] + timedelta(days=rng.randint(21, 28)), HUBS[carrier])]
        elif story == "pickup_point":
            path += [("pickup_point", deliver_at, dest)]
        elif story in ("returned", "failed"):
            path += [("out", t_out, dest), ("failed", deliver_at, dest)]
            if story == "returned":
                # Not collected from the pickup point within the carrier's seven days.
                path += [
                    ("pickup_point", deliver_at + timedelta(hours=3), dest),
                    ("returned", deliver_at + timedelta(days=8), dest),
                ]
        elif story == "unknown_address":
            path += [("out", t_out, dest), ("unknown_address", deliver_at, dest)]
        elif story == "exception":
            path += [("exception", path[3][1] + timedelta(hours=1), dest)]
        else:
            path += [("out", t_out, dest), ("delivered", deliver_at, dest)]

        texts = STEP_TEXTS[(carrier, shop)]
        events = []
        for index, (step, occurred_at, location) in enumerate(path):
            if occurred_at > self.anchor:
                break  # the parcel is still on its way
            status, code, description = texts[step]
            event = {
                "carrier": carrier,
                "tracking_number": tracking,
                "event_id": f"{tracking}-{index}",
                "occurred_at": occurred_at.replace(microsecond=0),
                "status": status,
                "carrier_status": code,
                "description": description,
                "location": location,
            }
            if step == "delivered":
                event.update(self.delivery(order, carrier, dest, signature))
            events.append(event)
        return events

    def delivery(self, order: DemoOrder, carrier: str, dest: str, signature: bool) -> dict:
        rng = self.rng
        language = {"DE": "de", "AT": "de", "CH": "de", "SE": "sv", "FI": "sv"}.get(order.buyer.country, "en")
        place = order.drop_place or rng.choice(DROP_PLACES[language])
        signed_by = ""
        if place in ("Nachbar", "Neighbour"):
            neighbour = rng.choice(LAST["de" if language == "de" else "en"])
            place = f"{place} ({neighbour})"
            signed_by = neighbour
        elif signature or rng.random() < 0.15:
            signed_by = order.buyer.last.upper() if carrier == "ups" else order.buyer.last
        return {"location": f"{place}, {dest}", "signed_by": signed_by}
