"""Writes caused by shop systems, tracking aggregators and payment providers.

- `inbound`: webhook deliveries, stored once and applied by a worker;
- `configure`: connecting a shop to a provider;
- `order_sync`, `tracking`, `disputes`: what the provider modules call to apply
  a delivery to our orders, parcels and returns, and chargeback cases.
"""

from .configure import integration_configure
from .disputes import dispute_record
from .inbound import (
    MAX_ATTEMPTS,
    ReceiveResult,
    inbound_event_process,
    inbound_event_receive,
    inbound_event_retry,
    inbound_events_sweep,
)
from .order_sync import order_apply, order_for_external, payment_cleared, payment_reference_set, shipments_add
from .tracking import tracking_apply

__all__ = [
    "MAX_ATTEMPTS",
    "ReceiveResult",
    "dispute_record",
    "inbound_event_process",
    "inbound_event_receive",
    "inbound_event_retry",
    "inbound_events_sweep",
    "integration_configure",
    "order_apply",
    "order_for_external",
    "payment_cleared",
    "payment_reference_set",
    "shipments_add",
    "tracking_apply",
]
