"""What the case page shows of a Stripe dispute's evidence: the button, and each sending with Stripe's answer."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime

from cases.models import Case
from integrations.services import dispute_evidence


def evidence_panel(case: Case) -> dict:
    claim = getattr(case, "claim", None)
    if claim is None or claim.dispute_provider != dispute_evidence.PROVIDER:
        return {}
    sendings = []
    for call in case.outbound_calls.all():
        if call.kind != dispute_evidence.KIND:
            continue
        payload = call.payload or {}
        sendings.append(
            {
                "call": call,
                "fields": sorted((payload.get("evidence") or {}).items()),
                "files": payload.get("files") or {},
                "by": payload.get("by", ""),
                "sent_at": parse_datetime(payload["sent_at"]) if payload.get("sent_at") else None,
                "answer": payload.get("answer") or {},
            }
        )
    refusal = dispute_evidence.evidence_refusal(case)
    return {"can_submit": not refusal, "refusal": refusal, "sendings": sendings}
