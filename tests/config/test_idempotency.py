"""A write sent again with the same Idempotency-Key answers the first result instead of doing it twice."""

import io
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Case, CaseNote, RefundLimit
from claims.models import ClaimPhoto
from config.api import Idempotent
from config.models import IdempotencyKey
from config.tasks import forget_idempotency_keys
from tests.concurrency import row_locks, run_at_once
from tests.factories import NAPKINS, make_claim, make_order

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _note(client, case, body="Paket beim Nachbarn?", key="note-1"):
    return client.post(
        f"/api/v1/cases/{case.reference}/notes/", {"body": body}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_claim_sent_again_with_the_same_key_answers_the_first_case(shop, carrier, api):
    order = make_order(shop)
    claim = {"order": order.pk, "type": "damaged", "statement": "Karton eingedrückt"}

    first = api.post("/api/v1/claims/", claim, format="json", HTTP_IDEMPOTENCY_KEY="a7f3c9")
    again = api.post("/api/v1/claims/", claim, format="json", HTTP_IDEMPOTENCY_KEY="a7f3c9")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Case.objects.count() == 1


def test_a_refund_sent_again_with_the_same_key_is_paid_once(shop, carrier, agent):
    RefundLimit.objects.create(user=agent, amount=Decimal("100.00"))
    case = make_claim(make_order(shop, total="30.80")).case
    client = _client(agent)
    url = f"/api/v1/cases/{case.reference}/resolve/"

    first = client.post(
        url, {"action": "refund", "amount": "30.80"}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    again = client.post(
        url, {"action": "refund", "amount": "30.80"}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )

    # Without the key the second would be a 409 "already resolved"; with it, the client reads its refund.
    assert first.status_code == again.status_code == 200
    assert again.json()["refunds"] == first.json()["refunds"]
    assert case.refunds.count() == 1


def _png(name, colour):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_claim_with_photos_sent_again_keeps_one_set_and_other_photos_are_another_request(
    shop, carrier, api
):
    document = json.dumps({"order": make_order(shop).pk, "type": "damaged"})

    def post(colour):
        body = {"data": document, "photos": [_png("karton.png", colour)]}
        return api.post("/api/v1/claims/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="with-photo")

    first, again, other = post("white"), post("white"), post("brown")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert ClaimPhoto.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422_naming_the_header(shop, carrier, agent):
    case = make_claim(make_order(shop)).case
    client = _client(agent)

    _note(client, case, body="Erste Notiz")
    other = _note(client, case, body="Eine andere Notiz")

    assert other.status_code == 422
    assert list(other.json()) == ["Idempotency-Key"]
    assert list(CaseNote.objects.values_list("body", flat=True)) == ["Erste Notiz"]


def test_the_same_key_on_another_case_is_another_request(shop, carrier, agent):
    first, second = (make_claim(make_order(shop)).case for _ in range(2))
    client = _client(agent)

    _note(client, first)
    response = _note(client, second)

    assert response.status_code == 422


def test_keys_belong_to_their_user(shop, carrier, agent, owner):
    case = make_claim(make_order(shop)).case

    answers = [_note(_client(user), case).status_code for user in (agent, owner)]

    assert answers == [201, 201]
    assert CaseNote.objects.count() == 2


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(shop, carrier, api):
    order = make_order(shop)
    wrong = {"order": order.pk, "type": "missing_items", "lines": [{"position": 9, "quantity": 1}]}
    right = {"order": order.pk, "type": "missing_items", "lines": [{"sku": NAPKINS["sku"], "quantity": 1}]}

    refused = api.post("/api/v1/claims/", wrong, format="json", HTTP_IDEMPOTENCY_KEY="k-77")
    corrected = api.post("/api/v1/claims/", right, format="json", HTTP_IDEMPOTENCY_KEY="k-77")

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert Case.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "schlüssel"])
def test_a_key_that_is_empty_too_long_or_not_ascii_is_a_400_naming_the_header(shop, carrier, agent, key):
    case = make_claim(make_order(shop)).case

    response = _note(_client(agent), case, key=key)

    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert CaseNote.objects.count() == 0


def test_keys_older_than_the_retention_are_swept_and_can_be_used_again(shop, carrier, agent):
    case = make_claim(make_order(shop)).case
    client = _client(agent)
    _note(client, case, body="gestern")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    _note(client, case, body="vorgestern", key="recent")

    assert forget_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert _note(client, case, body="heute").status_code == 201


def test_every_api_write_takes_the_key():
    """Every POST under /api/v1/ honours Idempotency-Key, but the one that stores nothing."""
    reads_only = {"api-decisions-evaluate"}

    def views(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from views(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
                yield prefix + str(entry.pattern), entry.name, entry.callback.cls

    writes = [
        (route, name, cls)
        for route, name, cls in views(get_resolver())
        if route.startswith("api/v1/") and hasattr(cls, "post") and name not in reads_only
    ]

    assert len(writes) >= 15
    assert [route for route, _name, cls in writes if not issubclass(cls, Idempotent)] == []


def test_the_schema_documents_the_header_on_writes(client, agent):
    client.force_login(agent)

    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    claim_post = paths["/api/v1/claims/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in claim_post["parameters"] if p["in"] == "header"]
    assert {"409", "422"} <= set(claim_post["responses"])
    assert "Idempotency-Key" not in str(paths["/api/v1/cases/"]["get"])


@row_locks
def test_two_requests_with_the_same_key_at_once_add_one_note(shop, carrier, agent):
    case = make_claim(make_order(shop)).case

    outcomes = run_at_once(lambda: _note(_client(agent), case), lambda: _note(_client(agent), case))

    assert [response.status_code for response in outcomes] == [201, 201]
    assert outcomes[0].json() == outcomes[1].json()
    assert CaseNote.objects.count() == 1


@row_locks
def test_two_claims_with_the_same_key_at_once_open_one_case(shop, carrier, integration):
    order = make_order(shop)
    claim = {"order": order.pk, "type": "lost_in_transit"}

    def post():
        return _client(integration).post("/api/v1/claims/", claim, format="json", HTTP_IDEMPOTENCY_KEY="same")

    outcomes = run_at_once(post, post)

    assert sorted(response.status_code for response in outcomes) == [201, 201]
    assert outcomes[0].json()["reference"] == outcomes[1].json()["reference"]
    assert Case.objects.count() == 1


@row_locks
def test_a_request_whose_twin_runs_too_long_is_a_409(shop, carrier, agent, settings):
    settings.POSTSALE_IDEMPOTENCY_WAIT_SECONDS = 0.3
    case = make_claim(make_order(shop)).case
    holding, done = threading.Event(), threading.Event()

    def slow_twin():
        # The first request's transaction, still open: its key row is inserted, not yet committed.
        from django.db import connections, transaction

        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(user=agent, key="note-1", fingerprint="running")
                holding.set()
                done.wait(5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_twin)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    response = _note(_client(agent), case)
    waited = time.monotonic() - started
    done.set()
    thread.join(5)

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert 0.3 <= waited < 3
    assert CaseNote.objects.count() == 0
