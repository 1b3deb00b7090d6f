"""How claims answer the case kernel's hooks (`cases.signals`)."""

from django.dispatch import receiver

from cases import signals
from cases.models import Case, Refund

from .models import Claim, Resolution
from .services.photos import photos_mailed
from .services.resolve import tell_refund


@receiver(signals.refund_accepted, sender=Refund, dispatch_uid="claims-refund-accepted")
def tell_accepted_refund(sender, *, refund: Refund, **kwargs) -> None:
    """A claim's refund the payment provider accepted: now the buyer hears it is on its way."""
    if Resolution.objects.filter(refund=refund).exists():
        tell_refund(refund.case, refund)


@receiver(signals.buyer_sent_photos, sender=Case, dispatch_uid="claims-buyer-sent-photos")
def photos_by_email(sender, *, case: Case, photos: int, **kwargs) -> None:
    """Photos attached to the buyer's e-mail answer the claim's "ask for photos" step."""
    claim = Claim.objects.filter(case=case).first()
    if claim is not None:
        photos_mailed(claim, count=photos)


@receiver(signals.case_search_texts, sender=Case, dispatch_uid="claims-search-texts")
def statement_words(sender, *, case: Case, **kwargs) -> list[str]:
    """What the buyer said about the problem, as the claim recorded it."""
    return list(Claim.objects.filter(case=case).values_list("statement", flat=True))
