"""The replacement e-mail tells the truth about the parcel: never the lost one's tracking number."""

import pytest

from claims import services
from messaging.models import OutboundMessage
from messaging.rendering import render_message
from tests.factories import make_order, track

pytestmark = pytest.mark.django_db


def _replacement_email(case):
    return render_message(OutboundMessage.objects.filter(case=case, event="replacement_shipped").latest("id"))


@pytest.fixture
def lost_case(shop, carrier):
    order = make_order(shop)
    track(order, "in_transit", days_ago=12)
    return services.claim_open(order=order, type="lost_in_transit", opened_via="portal", decide=False).case


def test_a_replacement_not_yet_shipped_is_announced_without_the_lost_parcels_number(lost_case, agent):
    lost_number = lost_case.order.shipments.get().tracking_number

    services.claim_resolve(case=lost_case, action="reship", reason="Paket verloren", actor=agent)

    email = _replacement_email(lost_case)
    assert lost_number not in email.text
    assert "in den nächsten Tagen" in email.text
    assert email.subject == "Wir schicken Ihnen Ersatz"


def test_a_shipped_replacement_gives_its_own_tracking_number(lost_case, agent):
    lost_number = lost_case.order.shipments.get().tracking_number

    services.claim_resolve(
        case=lost_case,
        action="reship",
        reason="Paket verloren",
        actor=agent,
        replacement={"carrier": "dhl", "tracking_number": "00340434161094077777"},
    )

    email = _replacement_email(lost_case)
    assert "00340434161094077777" in email.text
    assert lost_number not in email.text
