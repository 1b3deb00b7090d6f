"""Writes to orders, shipments and tracking, one module per capability.

- `upsert`: orders as a shop sends them, with their `lines`, `payments` and
  `shipments`, created or brought up to date in batches;
- `tracking`: carrier scans, and each parcel's status from them;
- `carriers`: carriers by the names shop systems give them;
- `payments`: payments a provider reports as cleared;
- `notes` and `buyers`: what people add to an order or a buyer;
- `memberships`: who works for which shop.
"""

from .buyers import buyer_set_risk
from .carriers import carrier_code, carriers_for_codes
from .memberships import agent_add, member_create, membership_check, membership_grant, membership_revoke
from .notes import order_note_add
from .payments import payments_cleared, payments_saved
from .tracking import IngestResult, tracking_events_ingest
from .upsert import ORDER_FIELDS, UpsertResult, orders_upsert

__all__ = [
    "ORDER_FIELDS",
    "IngestResult",
    "UpsertResult",
    "buyer_set_risk",
    "carrier_code",
    "carriers_for_codes",
    "agent_add",
    "member_create",
    "membership_check",
    "membership_grant",
    "membership_revoke",
    "order_note_add",
    "orders_upsert",
    "payments_cleared",
    "payments_saved",
    "tracking_events_ingest",
]
