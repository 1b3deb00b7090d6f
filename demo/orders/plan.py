"""The plan of one demo order before it is loaded: who buys what, and how its parcel's way ends."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .products import Product

CENT = Decimal("0.01")


@dataclass
class DemoBuyer:
    language: str
    first: str
    last: str
    country: str
    email: str = ""
    # Known for the story buyers, so the demo's German mail greets them as a shop would ("Guten Tag Frau Kröger,").
    salutation: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class DemoOrder:
    shop: str
    placed_at: datetime
    buyer: DemoBuyer
    lines: list[tuple[Product, int, list[dict]]]
    story: str = "random"  # how the parcel's way ends: delivered, stalled, returned, ...
    speed: str = "standard"
    needed_by: date | None = None
    payment_method: str = ""
    carrier: str = ""
    drop_place: str = ""
    packed_weight_g: int | None = None
    note: str = ""
    number: str = ""
    payload: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)


def pick(rng: random.Random, weighted):
    """One value of [(value, weight), ...], drawn by weight."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]
