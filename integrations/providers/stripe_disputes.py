"""Dispute evidence to Stripe: the bundle PDF as a file, then the evidence on the dispute.

Two requests per call, each with an `Idempotency-Key` derived from the call's:
`POST /v1/files` (multipart, `purpose=dispute_evidence`) on Stripe's files host
(https://docs.stripe.com/api/files/create), then `POST /v1/disputes/{id}` with
`evidence[…]` and `submit=true` (https://docs.stripe.com/api/disputes/update).
The uploaded file's id is kept on the call as soon as Stripe gives it, so a
retry after a failed update does not upload again; were it lost (a worker killed
in between), the same key makes Stripe answer with the same file.

`submit=true`: the agent's click is the submission. Stripe then closes the
evidence to changes and answers with the dispute `under_review`.
"""

from __future__ import annotations

import secrets

from django.utils import timezone

from cases.events import case_event
from cases.models import Case, OutboundCall
from cases.outbound import Answer, Refused, register_kind, register_sender
from cases.verbs import Verb

from ..models import DEFAULT_API_URLS, Source
from ..outbound import request
from ..services.dispute_evidence import KIND, PROVIDER, bundle_pdf
from .stripe_refunds import stripe_integration

FILES_URL = "https://files.stripe.com"


def files_base_url(integration) -> str:
    """Stripe's files host; an integration pointed at another API (a fake, a proxy) has its files there too."""
    if integration.api_url and integration.base_url != DEFAULT_API_URLS[Source.STRIPE]:
        return integration.base_url
    return FILES_URL


def multipart(fields: dict, *, file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"postsale{secrets.token_hex(12)}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _remember_file(call: OutboundCall, file_id: str) -> None:
    files = dict(call.payload.get("files") or {}, bundle=file_id)
    call.payload = dict(call.payload, files=files)
    # Saved at once, outside the send's transaction: the upload is done even if the update fails.
    OutboundCall.objects.filter(pk=call.pk).update(payload=call.payload)


def send_evidence(call: OutboundCall) -> Answer:
    integration = stripe_integration(call.shop_id)
    api_key = integration.carrier_api_key if integration else ""
    if not api_key:
        raise Refused("The shop's Stripe integration has no API key (configure_integration --api-key).")
    dispute = str(call.payload.get("dispute") or "")
    if not dispute.startswith("dp_") and not dispute.startswith("du_"):
        raise Refused(f"{dispute!r} is not a Stripe dispute.")
    auth = {"Authorization": f"Bearer {api_key}"}
    file_id = str((call.payload.get("files") or {}).get("bundle") or "")
    if not file_id:
        case = Case.objects.select_related("shop", "order__buyer", "claim").get(pk=call.case_id)
        body, content_type = multipart(
            {"purpose": "dispute_evidence"},
            file_field="file",
            filename=f"{case.reference}-evidence.pdf",
            content=bundle_pdf(case),
        )
        uploaded = request(
            "POST",
            f"{files_base_url(integration)}/v1/files",
            body=body,
            content_type=content_type,
            headers={**auth, "Idempotency-Key": f"{call.idempotency_key}-file"},
        )
        file_id = uploaded.reference
        if not file_id:
            raise Refused("Stripe answered the upload without a file id.")
        _remember_file(call, file_id)
    form = {f"evidence[{name}]": value for name, value in (call.payload.get("evidence") or {}).items()}
    # The bundle holds the messages with the buyer too, so it is the customer communication.
    form["evidence[customer_communication]"] = file_id
    form["evidence[uncategorized_file]"] = file_id
    form["metadata[postsale_case]"] = call.case.reference if call.case_id else ""
    form["submit"] = "true" if call.payload.get("submit", True) else "false"
    return request(
        "POST",
        f"{integration.base_url}/v1/disputes/{dispute}",
        form=form,
        headers={**auth, "Idempotency-Key": call.idempotency_key},
    )


def evidence_sent(call: OutboundCall, answer: Answer) -> None:
    """Keep what Stripe said beside what was sent: the case shows both."""
    call.payload = dict(
        call.payload,
        sent_at=timezone.now().isoformat(),
        answer={
            "status": str(answer.data.get("status") or ""),
            "submission_count": (answer.data.get("evidence_details") or {}).get("submission_count"),
        },
    )
    call.save(update_fields=["payload", "updated_at"])
    if call.case is not None:
        case_event(
            call.case,
            Verb.DISPUTE_EVIDENCE_SUBMITTED,
            new=call.payload["answer"]["status"],
            call_id=call.pk,
            dispute=answer.reference,
            files=call.payload.get("files") or {},
        )


def register() -> None:
    register_sender(KIND, PROVIDER, send_evidence)
    register_kind(KIND, succeeded=evidence_sent)
