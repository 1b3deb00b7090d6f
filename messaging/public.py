"""What the apps above messaging (returns, claims) use of it: e-mails to the buyer and the owners."""

from .models import BuyerEvent, OwnerEvent
from .services.outbox import notify_assignee_or_owners, notify_buyer, notify_owners

__all__ = ["BuyerEvent", "OwnerEvent", "notify_assignee_or_owners", "notify_buyer", "notify_owners"]
