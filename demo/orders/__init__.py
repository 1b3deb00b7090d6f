"""The demo: two linen shops, their carriers, two users and ~300 orders with parcel stories.

The data says what there is (`shops`, `carriers`, `products`, `buyers`, and
the orders the `stories` are about); `generator` and `parcels` draw the other
orders and every parcel's scans from one seeded random source and one anchor
time (when the German demo shop was first created), so every run builds the
same catalogue: a second `seed_demo` finds every order already there, and tests
can rely on what is in it. `loading` puts it into the database.

E-mail addresses use the reserved `.example` top-level domain and phone numbers
the ranges set aside for fiction, so a demo with a real mail server never
writes to a real person.
"""

from .generator import Generator
from .loading import (
    flag_buyers,
    load_orders,
    missing_orders,
    owner_token,
    setup_carriers,
    setup_shops,
    setup_users,
)
from .shops import DE_SHOP, RETURN_POLICIES, SE_SHOP, SHOPS

__all__ = [
    "DE_SHOP",
    "RETURN_POLICIES",
    "SE_SHOP",
    "SHOPS",
    "Generator",
    "flag_buyers",
    "load_orders",
    "missing_orders",
    "owner_token",
    "setup_carriers",
    "setup_shops",
    "setup_users",
]
