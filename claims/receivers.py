"""How claims answer the case kernel's hooks (`cases.signals`)."""

from django.dispatch import receiver

from cases import signals
from cases.models import Refund

from .models import Resolution
from .services.resolve import tell_refund


@receiver(signals.refund_accepted, sender=Refund, dispatch_uid="claims-refund-accepted")
def tell_accepted_refund(sender, *, refund: Refund, **kwargs) -> None:
    """A claim's refund the payment provider accepted: now the buyer hears it is on its way."""
    if Resolution.objects.filter(refund=refund).exists():
        tell_refund(refund.case, refund)
