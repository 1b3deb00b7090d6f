"""Hooks through which the orders layer lets the layers above it act, without knowing them.

Sent inside the transaction of the change, so what a receiver writes commits
or rolls back with it.
"""

import django.dispatch

# A user is no longer a member of a shop. Arguments: user, shop, by (who revoked it, or None).
membership_revoked = django.dispatch.Signal()

# Payments of these orders were added or changed (a shop's copy, the orders API, a payment
# provider's webhook). Arguments: order_ids (a set). A held order is released by its receiver
# when every payment of it has cleared.
payments_changed = django.dispatch.Signal()

# Parcels took a new status from carrier scans. Arguments: moves, a list of
# (shipment, old status, new status), one per parcel whose status changed in the batch.
shipments_moved = django.dispatch.Signal()
