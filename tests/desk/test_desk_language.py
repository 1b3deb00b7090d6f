"""A German agent reads the case page and its timeline in German: labels, not the codes stored."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import Case, CaseStatus, OpenedVia
from claims import services
from desk.models import AgentProfile
from messaging.models import BuyerEvent
from messaging.rendering import render_event
from tests.factories import NAPKINS, make_order, make_return, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_agent(client, agent):
    AgentProfile.objects.create(user=agent, language="de")
    client.force_login(agent)
    return agent


def page_text(client, case) -> str:
    response = client.get(f"/desk/cases/{case.reference}/")
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def timeline(text: str) -> str:
    """The timeline panel as words, without its markup."""
    return re.sub(r"\s*<[^>]+>\s*", " ", text.split('id="timeline"', 1)[1])


@pytest.fixture
def claim_case(shop, carrier, german_agent):
    """Four dozen napkins paid by invoice, one dozen said to be missing; acknowledged; first answer overdue."""
    order = make_order(
        shop,
        lines=[dict(NAPKINS, quantity=4)],
        packed_weight_g=2430,
        payment={"method": "invoice", "status": "pending", "amount": "105.50", "reference": "inv-1"},
    )
    track(order, "delivered", days_ago=1)
    claim = services.claim_open(
        order=order,
        type=ClaimType.MISSING_ITEMS,
        opened_via=OpenedVia.AGENT,
        actor=german_agent,
        lines=[services.LineIn(order_line=order.lines.get(), quantity=1)],
    )
    services.playbook_step_done(claim=claim, key="acknowledge", actor=german_agent)
    Case.objects.filter(pk=claim.case.pk).update(first_response_due=timezone.now() - timedelta(hours=2))
    return claim.case


def test_timeline_names_claim_type_recommendation_and_playbook_step_in_german(client, claim_case):
    text = timeline(page_text(client, claim_case))

    assert "Reklamation eröffnet: Fehlende Artikel" in text
    assert "Playbook-Schritt erledigt: Dem Käufer bestätigen, dass die Reklamation eingegangen ist" in text
    assert "Empfehlung: Ersatzlieferung" in text
    for code in ("missing_items", "acknowledge", "escalate", "reship", "request_info", "claim_received"):
        assert f": {code}" not in text and f"→ {code}" not in text


def test_case_page_shows_payment_method_e_mail_event_and_weight_in_german(client, claim_case):
    text = page_text(client, claim_case)

    assert "Rechnung · " in text and "invoice" not in text
    assert "E-Mail: Reklamation eingegangen" in text and "claim_received" not in text
    assert "gemessen 2,43 kg" in text and "2.43 kg" not in text


def test_overdue_first_answer_shows_how_long_it_is_overdue(client, claim_case):
    text = page_text(client, claim_case)

    assert "Erste Antwort fällig in <strong>−2 h" in text
    assert "0 Minuten" not in text


def test_an_overridden_recommendation_and_its_resolution_read_as_labels(client, claim_case, german_agent):
    # The weight matches the whole order: the matrix recommends a replacement as goodwill.
    services.claim_act(case=claim_case, actor=german_agent, action="deny", reason="Kulanz")

    text = page_text(client, claim_case)

    assert "übersteuert mit Ablehnen: Kulanz" in text
    assert "Gelöst: Ablehnen" in timeline(text)
    assert "Empfehlung übersteuert: Ersatzlieferung → Ablehnen" in timeline(text)
    assert "mit deny" not in text and "deny" not in timeline(text)


def test_a_refused_override_names_the_actions_and_not_the_field(client, claim_case):
    response = client.post(
        f"/desk/cases/{claim_case.reference}/act/", {"action": "deny", "reason": ""}, follow=True
    )

    text = html.unescape(response.content.decode())
    assert "Die Empfehlung war Ersatzlieferung" in text
    assert "war reship" not in text and "stattdessen deny" not in text and "reason: " not in text


def test_an_empty_reply_is_refused_in_german_without_the_field_name(client, claim_case):
    response = client.post(f"/desk/cases/{claim_case.reference}/reply/", {"body": "  "}, follow=True)

    text = html.unescape(response.content.decode())
    assert "Eine Antwort darf nicht leer sein." in text
    assert "body:" not in text and "A reply cannot be empty." not in text


def test_return_status_changes_and_their_reasons_read_in_german(client, shop, carrier, german_agent):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    case = make_return(order).case

    text = timeline(page_text(client, case))

    assert "Status der Rücksendung geändert: Angefragt → Genehmigt (im Rahmen der Rückgaberichtlinie)" in text
    assert "(Rücksendung: Genehmigt)" in text
    assert "requested" not in text and "approved" not in text and "within the return policy" not in text


def test_a_finished_playbook_step_is_in_the_german_and_swedish_catalogue():
    from django.utils import translation

    from cases.verbs import Verb

    with translation.override("de"):
        assert str(Verb.PLAYBOOK_STEP.label) == "Playbook-Schritt erledigt"
    with translation.override("sv"):
        assert str(Verb.PLAYBOOK_STEP.label) != "Playbook step done"


@pytest.mark.parametrize(
    "language, sentence",
    [
        ("de", "am 21. November 2026 um 14:32 Uhr zugestellt, doch Sie haben uns mitgeteilt"),
        ("sv", "levererades ditt paket den 21 november 2026 kl. 14:32,"),
    ],
)
def test_check_household_e_mail_words_the_delivery_time_naturally(language, sentence):
    delivered = datetime(2026, 11, 21, 14, 32, tzinfo=ZoneInfo("Europe/Berlin"))
    context = {"shop_name": "Leinen & Liebe", "carrier_name": "DHL", "delivered_at": delivered}

    rendered = render_event(
        BuyerEvent.CHECK_HOUSEHOLD_NEIGHBOURS, context, language=language, time_zone="Europe/Berlin"
    )

    assert sentence in rendered.text
    assert sentence in html.unescape(rendered.html)
    assert "wie wir verstehen" not in rendered.text


def test_case_status_moved_by_the_desk_keeps_its_label(client, claim_case, german_agent):
    from cases.services import case_move

    case_move(case=claim_case, to=CaseStatus.WAITING_ON_CARRIER, actor=german_agent, reason="")

    assert "→ Wartet auf Versanddienstleister" in timeline(page_text(client, claim_case))


def test_reasons_the_system_wrote_are_translated_and_typed_ones_kept():
    from django.utils import translation

    from cases.verbs import Reason, because, reason_data
    from desk.timeline import reason_text

    def text(reason):
        return reason_text(reason_data(reason))

    with translation.override("de"):
        assert text(because(Reason.NO_RULE_MATCHED)).startswith("Keine Regel der Matrix")
        assert text(because(Reason.BUYER_KEEPS_GOODS)) == "der Käufer behält die Ware"
        assert text(because(Reason.ABOVE_LIMIT, amount="120.00", limit="100.00")) == (
            "Rückerstattung von 120,00 über der Grenze des Mitarbeiters von 100,00"
        )
        assert text(because(Reason.RETURN_MOVED, status="label_issued")) == "Rücksendung: Etikett ausgestellt"
        assert text("Kunde ruft morgen an") == "Kunde ruft morgen an"
