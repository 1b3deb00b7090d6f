"""Admin for shop owners: configure shops and carriers, look up orders, parcels and buyers.

Every admin of every app takes `ShopScopedAdmin` (or `ShopScopedInline`): owners
see and change only their own shops (`scoping`).

Thin like every view: writes that carry a business rule (private notes, a
buyer's risk flag, the CSV import) go through `orders.services`. Changelists
join what their columns show (`list_select_related`) so a page costs the same
number of queries whatever its length.
"""

# Registered on import: the shops with their carriers and products, who works for them, buyers,
# orders (with the CSV import), and parcels with their tracking.
from . import buyers, memberships, orders, shipments, shops  # noqa: F401
from .scoping import ShopScopedAdmin, ShopScopedInline

__all__ = ["ShopScopedAdmin", "ShopScopedInline"]
