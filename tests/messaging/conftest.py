import pytest
from django.db import transaction

from messaging.models import BuyerEvent
from messaging.rendering import forget_overrides
from messaging.services.outbox import notify_buyer
from tests.factories import make_claim, make_order


@pytest.fixture
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.POSTSALE_REPLY_DOMAIN = "reply.postsale.test"


@pytest.fixture
def swedish_claim(shop, carrier):
    order = make_order(shop, email="karin.lind@example.se", language="sv")
    with transaction.atomic():
        claim = make_claim(order, "lost_in_transit", opened_via="portal")
    return claim


@pytest.fixture
def queued(swedish_claim):
    """The claim's acknowledgement row (queued by claim_open, or by us if it did not)."""
    return notify_buyer(case=swedish_claim.case, event=BuyerEvent.CLAIM_RECEIVED, sequence=1)


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    # The worker caches owners' overrides for 30 s; one test's override must not leak into the next.
    forget_overrides()
    yield
    forget_overrides()
