"""A claim's playbook: ticking a step sends the e-mail it names, once; some actions tick their step."""

import pytest
from django.core.files.base import ContentFile

from cases.models import Case
from claims import services
from messaging.mailparse import InboundAttachmentIn, InboundIn
from messaging.models import BuyerEvent, OutboundMessage
from messaging.rendering import render_message
from messaging.services.inbound import inbound_receive
from returns.models import ReturnReason, ReturnRequest, ReturnStatus
from tests.factories import NAPKINS, TABLECLOTH, gps_jpeg, make_claim, make_claim_cases, make_order, track

pytestmark = pytest.mark.django_db


def test_ticking_the_ask_the_neighbours_step_sends_that_email_once(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    client.force_login(agent)
    acknowledged = OutboundMessage.objects.filter(case=case, event=BuyerEvent.CLAIM_RECEIVED).count()

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})
    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})
    client.post(f"/desk/cases/{case.reference}/step/", {"key": "acknowledge"})

    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS).count() == 1
    # The acknowledgement went out when the claim was opened: ticking its step does not repeat it.
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CLAIM_RECEIVED).count() == max(
        acknowledged, 1
    )


def test_asking_the_buyer_to_check_with_the_neighbours_attaches_the_shipping_label(
    client, agent, shop, carrier, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    shipment = case.claim.shipment
    shipment.label_document.save("00340434161094042557.pdf", ContentFile(b"%PDF-1.4 label"), save=True)
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "ask_to_check"})

    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS)
    [attachment] = message.attachments.all()
    # Stored under a random name, sent under the parcel's.
    assert attachment.filename == f"label-{shipment.tracking_number}.pdf"
    assert bytes(attachment.content) == b"%PDF-1.4 label"


def test_asking_for_information_ticks_the_playbook_step_it_consists_of(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1, "delivered_not_received")
    services.claim_resolve(case=case, action="request_info", reason="Bitte bei Nachbarn fragen", actor=agent)

    done = set(case.claim.steps_done.values_list("key", flat=True))
    assert "ask_to_check" in done
    assert case.events.filter(verb="playbook_step", new="ask_to_check").exists()


# --- the wrong item goes back with a real label ----------------------------------------------


def test_the_wrong_item_step_makes_a_return_label_and_mails_it_instead_of_a_replacement(
    client, agent, shop, carrier
):
    [case] = make_claim_cases(shop, 1, "wrong_item")
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "return_label"})

    request = ReturnRequest.objects.get(case=case)
    assert request.status == ReturnStatus.LABEL_ISSUED
    assert [line.reason for line in request.lines.all()] == [ReturnReason.WRONG_ITEM]
    with request.label_pdf.open("rb") as label:
        assert label.read().startswith(b"%PDF")
    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.RETURN_LABEL)
    assert [a.filename for a in message.attachments.all()] == [f"{request.rma}.pdf"]
    assert not OutboundMessage.objects.filter(case=case, event=BuyerEvent.REPLACEMENT_SHIPPED).exists()
    assert "return_label" in set(case.claim.steps_done.values_list("key", flat=True))
    # Agents find the case by the RMA the buyer quotes.
    assert request.rma.lower() in Case.objects.get(pk=case.pk).search_text


def test_the_wrong_item_label_goes_back_for_the_lines_the_buyer_named(client, agent, shop, carrier):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2), dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=1)
    tablecloth = order.lines.get(sku=TABLECLOTH["sku"])
    case = make_claim(order, "wrong_item", lines=[services.LineIn(order_line=tablecloth, quantity=1)]).case

    services.playbook_step_done(claim=case.claim, key="return_label", actor=agent)

    [line] = ReturnRequest.objects.get(case=case).lines.all()
    assert (line.order_line, line.quantity) == (tablecloth, 1)


# --- damaged goods: photos asked for, photos that arrive ----------------------------------------


def test_asking_for_photos_sends_its_own_email_with_the_portal_upload_link(client, agent, shop, carrier):
    [case] = make_claim_cases(shop, 1, "damaged")
    client.force_login(agent)

    client.post(f"/desk/cases/{case.reference}/step/", {"key": "photos"})

    message = OutboundMessage.objects.get(case=case, event=BuyerEvent.PHOTOS_REQUESTED)
    assert "/portal/" in message.context["photos_link"]
    assert f"photos={case.reference}" in message.context["photos_link"]
    assert OutboundMessage.objects.filter(case=case, event=BuyerEvent.CLAIM_RECEIVED).count() == 1
    rendered = render_message(message)
    assert message.context["photos_link"] in rendered.text
    assert case.reference in rendered.subject


def test_photos_the_buyer_sent_with_the_claim_need_no_asking(client, agent, shop, carrier):
    order = make_order(shop)
    track(order, "delivered", days_ago=1)
    claim = make_claim(order, "damaged", photos=[gps_jpeg()])

    assert claim.steps_done.filter(key="photos").exists()
    services.playbook_step_done(claim=claim, key="photos", actor=agent)
    assert not OutboundMessage.objects.filter(case=claim.case, event=BuyerEvent.PHOTOS_REQUESTED).exists()


def test_a_photo_the_buyer_mails_ticks_the_photos_step(shop, carrier):
    [case] = make_claim_cases(shop, 1, "damaged")
    acknowledgement = OutboundMessage.objects.get(case=case, event=BuyerEvent.CLAIM_RECEIVED)

    inbound_receive(
        mail=InboundIn(
            from_email=acknowledgement.to_email,
            to=[f"reply+{acknowledgement.reply_token}@reply.postsale.test"],
            text="Hier die Fotos vom Karton.",
            attachments=[InboundAttachmentIn("karton.jpg", gps_jpeg().read(), "image/jpeg")],
        )
    )

    step = case.events.get(verb="playbook_step", new="photos")
    assert step.actor is None
    assert case.events.filter(verb="buyer_sent_photos", new="email").exists()
    assert case.claim.steps_done.filter(key="photos").exists()


def test_a_mail_without_a_photo_leaves_the_photos_step_open(shop, carrier):
    [case] = make_claim_cases(shop, 1, "damaged")
    acknowledgement = OutboundMessage.objects.get(case=case, event=BuyerEvent.CLAIM_RECEIVED)

    inbound_receive(
        mail=InboundIn(
            from_email=acknowledgement.to_email,
            to=[f"reply+{acknowledgement.reply_token}@reply.postsale.test"],
            text="Fotos folgen morgen.",
        )
    )

    assert not case.claim.steps_done.filter(key="photos").exists()


# --- photos are evidence: the recommendation moves on ------------------------------------------


def _tablecloth_delivered(shop):
    order = make_order(shop, lines=[dict(TABLECLOTH, quantity=1)])
    track(order, "delivered", days_ago=1)
    return order


def test_a_damage_report_with_photos_recommends_a_replacement_not_asking_for_photos(shop, carrier):
    claim = make_claim(_tablecloth_delivered(shop), "damaged", photos=[gps_jpeg()], decide=True)

    assert claim.evidence["photos_provided"] is True
    assert claim.case.decisions.latest("id").action == "reship"


def test_photos_mailed_later_move_the_recommendation_on_without_applying_it(shop, carrier):
    claim = make_claim(_tablecloth_delivered(shop), "damaged", decide=True)
    assert claim.case.decisions.latest("id").action == "request_info"
    acknowledgement = OutboundMessage.objects.get(case=claim.case, event=BuyerEvent.CLAIM_RECEIVED)

    inbound_receive(
        mail=InboundIn(
            from_email=acknowledgement.to_email,
            to=[f"reply+{acknowledgement.reply_token}@reply.postsale.test"],
            text="Anbei die Fotos der Tischdecke.",
            attachments=[InboundAttachmentIn("decke.jpg", gps_jpeg().read(), "image/jpeg")],
        )
    )

    latest = claim.case.decisions.latest("id")
    assert latest.action == "reship" and not latest.auto_applied
    claim.case.refresh_from_db()
    assert claim.case.is_open
