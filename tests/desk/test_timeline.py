"""The case's timeline in the reader's language: labels, not the codes stored."""

from decimal import Decimal

import pytest
from django.utils import translation

from cases.models import CaseStatus
from cases.services import case_move
from cases.verbs import Reason, because, reason_data
from claims import services
from desk.timeline import reason_text, timeline_entries
from tests.factories import NAPKINS, make_claim, make_order, make_return, track

from .conftest import page_text, timeline

pytestmark = pytest.mark.django_db


def test_timeline_names_claim_type_recommendation_and_playbook_step_in_german(client, claim_case):
    text = timeline(page_text(client, claim_case))

    assert "Reklamation eröffnet: Fehlende Artikel" in text
    assert "Playbook-Schritt erledigt: Dem Käufer bestätigen, dass die Reklamation eingegangen ist" in text
    assert "Empfehlung: Ersatzlieferung" in text
    for code in ("missing_items", "acknowledge", "escalate", "reship", "request_info", "claim_received"):
        assert f": {code}" not in text and f"→ {code}" not in text


def test_an_overridden_recommendation_and_its_resolution_read_as_labels(client, claim_case, german_agent):
    # The weight matches the whole order: the matrix recommends a replacement as goodwill.
    services.claim_act(case=claim_case, actor=german_agent, action="deny", reason="Kulanz")

    text = page_text(client, claim_case)

    assert "übersteuert mit Ablehnen: Kulanz" in text
    assert "Gelöst: Ablehnen" in timeline(text)
    assert "Empfehlung übersteuert: Ersatzlieferung → Ablehnen" in timeline(text)
    assert "mit deny" not in text and "deny" not in timeline(text)


def test_return_status_changes_and_their_reasons_read_in_german(client, shop, carrier, german_agent):
    order = make_order(shop, lines=[dict(NAPKINS, quantity=2)])
    track(order, "delivered", days_ago=3)
    case = make_return(order).case

    text = timeline(page_text(client, case))

    assert "Status der Rücksendung geändert: Angefragt → Genehmigt (im Rahmen der Rückgaberichtlinie)" in text
    assert "(Rücksendung: Genehmigt)" in text
    assert "requested" not in text and "approved" not in text and "within the return policy" not in text


def test_case_status_moved_by_the_desk_keeps_its_label(client, claim_case, german_agent):
    case_move(case=claim_case, to=CaseStatus.WAITING_ON_CARRIER, actor=german_agent, reason="")

    assert "→ Wartet auf Versanddienstleister" in timeline(page_text(client, claim_case))


def test_reasons_the_system_wrote_are_translated_and_typed_ones_kept():
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


def test_a_lost_dispute_reads_as_its_outcome_and_its_cost(shop, carrier):
    order = make_order(shop, total="65.70")
    claim = make_claim(
        order,
        "chargeback",
        dispute=services.DisputeIn(provider="stripe", reference="dp_1", amount=Decimal("65.70")),
    )
    services.claim_dispute_settle(claim=claim, outcome="lost", fee=Decimal("15.00"))

    with translation.override("en"):
        [entry] = [e for e in timeline_entries(claim.case.events.all()) if e["verb"] == "dispute_decided"]
        assert (entry["what"], entry["new"]) == ("Dispute decided by the payment provider", "Lost")
        assert entry["reason"] == "the payment provider decided the dispute for the buyer: 80.70 EUR lost"
