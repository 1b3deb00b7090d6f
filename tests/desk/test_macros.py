"""Macros: a canned reply with actions, applied in one click, all or nothing, and said before it is sent."""

import pytest

from cases.models import CaseStatus, CaseTag
from messaging.models import BuyerEvent, CannedReply, OutboundMessage
from tests.factories import make_claim, make_order, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def damaged(shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    return make_claim(order, "damaged").case


@pytest.fixture
def photos_macro(shop):
    return CannedReply.objects.create(
        shop=shop,
        language="de",
        title="Fotos anfordern",
        body="Guten Tag {buyer_name}, bitte schicken Sie uns Fotos.",
        set_status=CaseStatus.WAITING_ON_BUYER,
        assign="me",
        add_tags="fotos, transportschaden",
        add_note="Fotos angefordert, Karton aufheben lassen.",
        playbook_step="photos",
    )


def test_the_macro_says_what_it_will_do_when_it_is_picked(client, agent, damaged, photos_macro):
    client.force_login(agent)

    fragment = client.get(
        f"/desk/cases/{damaged.reference}/reply/canned/", {"canned": photos_macro.pk}
    ).content.decode()

    assert "bitte schicken Sie uns Fotos" in fragment
    for said in ("sets the status to Waiting on buyer", "assigns the case to you", "adds the tag transportschaden",
                 "asks the buyer for photos, with the upload link"):  # fmt: skip
        assert said in fragment


def test_sending_a_macro_replies_and_does_each_action_once(client, agent, damaged, photos_macro):
    client.force_login(agent)

    client.post(f"/desk/cases/{damaged.reference}/reply/", {"canned": photos_macro.pk, "body": ""})

    damaged.refresh_from_db()
    assert damaged.status == CaseStatus.WAITING_ON_BUYER and damaged.assignee == agent
    assert set(CaseTag.objects.filter(case=damaged).values_list("tag__name", flat=True)) == {
        "fotos",
        "transportschaden",
    }
    assert damaged.notes.get().body == "Fotos angefordert, Karton aufheben lassen."
    assert OutboundMessage.objects.filter(case=damaged, event=BuyerEvent.AGENT_REPLY).count() == 1
    photos_mail = OutboundMessage.objects.get(case=damaged, event=BuyerEvent.PHOTOS_REQUESTED)
    assert "/portal/" in photos_mail.context["photos_link"]
    assert damaged.claim.steps_done.filter(key="photos").exists()


def test_a_macro_whose_step_the_case_has_not_does_nothing_at_all(client, agent, shop, carrier, photos_macro):
    order = make_order(shop)
    track(order, "in_transit", days_ago=9)
    lost = make_claim(order, "lost_in_transit").case
    client.force_login(agent)

    response = client.post(
        f"/desk/cases/{lost.reference}/reply/", {"canned": photos_macro.pk, "body": ""}, follow=True
    )

    assert "not in this case&#x27;s playbook" in response.content.decode()
    lost.refresh_from_db()
    assert lost.assignee is None and lost.status != CaseStatus.WAITING_ON_BUYER
    assert not OutboundMessage.objects.filter(case=lost, event=BuyerEvent.AGENT_REPLY).exists()
    assert not CaseTag.objects.filter(case=lost).exists() and not lost.notes.exists()


def test_another_shops_macro_is_not_applied(client, agent, damaged, swedish_shop):
    foreign = CannedReply.objects.create(
        shop=swedish_shop, language="sv", title="X", body="Hej", add_tags="hemligt"
    )
    client.force_login(agent)

    client.post(f"/desk/cases/{damaged.reference}/reply/", {"canned": foreign.pk, "body": "Guten Tag"})

    assert not CaseTag.objects.filter(case=damaged).exists()


def test_a_macro_applied_to_several_cases_from_the_queue_replies_to_each_buyer(client, agent, shop, carrier, photos_macro):
    cases = []
    for _ in range(2):
        order = make_order(shop)
        track(order, "delivered", days_ago=1)
        cases.append(make_claim(order, "damaged").case)
    client.force_login(agent)

    client.post("/desk/bulk/", {"bulk": "macro", "canned": photos_macro.pk, "case": [c.reference for c in cases]})

    for case in cases:
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING_ON_BUYER and case.assignee == agent
        assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.AGENT_REPLY).count() == 1


def test_a_bulk_macro_of_another_shop_is_refused(client, agent, damaged, swedish_shop):
    foreign = CannedReply.objects.create(shop=swedish_shop, language="sv", title="X", body="Hej", add_tags="x")
    client.force_login(agent)

    response = client.post("/desk/bulk/", {"bulk": "macro", "canned": foreign.pk, "case": [damaged.reference]})

    assert response.status_code == 400 and response.content.decode().startswith("canned:")
    assert not CaseTag.objects.filter(case=damaged).exists()
