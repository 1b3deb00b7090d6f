"""Hooks through which the orders layer lets the layers above it act, without knowing them.

Sent inside the transaction of the change, so what a receiver writes commits
or rolls back with it.
"""

import django.dispatch

# A user is no longer a member of a shop. Arguments: user, shop, by (who revoked it, or None).
membership_revoked = django.dispatch.Signal()
