"""The package's public face: what other apps and tests call to open, decide and resolve claims."""

from .carrier_claims import (
    ClaimFigures,
    carrier_claim_figures,
    carrier_claim_open,
    carrier_claim_update,
    carrier_claims_remind,
)
from .decide import claim_decide, claim_recheck, claim_refresh_evidence, decision_input
from .dispute import claim_dispute_settle
from .open import DisputeIn, LineIn, claim_open
from .photos import claim_photos_add
from .playbook import playbook_step_done
from .repeated import claim_open_once, claim_open_reads, open_claims_of_type
from .resolve import RESOLVE_ACTIONS, ResolveResult, buyer_event_for, claim_act, claim_resolve, tell_refund

__all__ = [
    "RESOLVE_ACTIONS",
    "ClaimFigures",
    "DisputeIn",
    "LineIn",
    "ResolveResult",
    "buyer_event_for",
    "carrier_claim_figures",
    "carrier_claim_open",
    "carrier_claim_update",
    "carrier_claims_remind",
    "claim_act",
    "claim_decide",
    "claim_dispute_settle",
    "claim_recheck",
    "claim_open",
    "claim_open_once",
    "claim_open_reads",
    "open_claims_of_type",
    "claim_photos_add",
    "claim_refresh_evidence",
    "claim_resolve",
    "decision_input",
    "playbook_step_done",
    "tell_refund",
]
