"""The default matrix created once, drafts, activation, and the next decision following the owner's change."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from config.errors import Conflict
from decisions import services
from decisions.engine import DecisionInput
from decisions.models import DecisionMatrix, MatrixStatus, Rule
from orders.models import Shop

SMALL_PARCEL_GONE = DecisionInput("delivered_not_received", Decimal("60.00"))


def test_a_draft_copies_the_rules_of_the_active_matrix(shop, owner):
    active = services.active_matrix(shop)

    draft = services.matrix_create_draft(shop=shop, by=owner)

    assert (draft.version, draft.status, draft.created_by) == (2, MatrixStatus.DRAFT, owner)
    assert [services.rule_as_dict(r) for r in draft.rules.all()] == [
        services.rule_as_dict(r) for r in active.rules.all()
    ]
    assert draft.auto_apply_limit == active.auto_apply_limit


def test_activating_a_draft_retires_the_active_matrix(shop, owner):
    first = services.active_matrix(shop)
    draft = services.matrix_create_draft(shop=shop, by=owner)

    services.matrix_activate(matrix=draft, by=owner)

    first.refresh_from_db()
    draft.refresh_from_db()
    assert first.status == MatrixStatus.RETIRED and first.retired_at is not None
    assert draft.status == MatrixStatus.ACTIVE and draft.activated_by == owner
    assert list(DecisionMatrix.objects.filter(shop=shop, status=MatrixStatus.ACTIVE)) == [draft]
    assert services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE).matrix_version == 2


def test_the_database_refuses_a_second_active_matrix(shop):
    first = services.active_matrix(shop)

    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionMatrix.objects.create(shop=shop, version=first.version + 1, status="active", currency="EUR")


def test_only_a_draft_can_be_activated(shop, owner):
    active = services.active_matrix(shop)

    with pytest.raises(Conflict, match="only a draft"):
        services.matrix_activate(matrix=active, by=owner)


def test_a_draft_with_a_broken_rule_is_not_activated(shop, owner):
    draft = services.matrix_create_draft(shop=shop, by=owner)
    Rule.objects.filter(matrix=draft, action="remake").update(action="partial_refund", refund_percent=None)

    with pytest.raises(ValidationError, match="percentage"):
        services.matrix_activate(matrix=draft, by=owner)
    draft.refresh_from_db()
    assert draft.status == MatrixStatus.DRAFT


def test_owner_raising_a_threshold_changes_the_next_decision(shop):
    matrix = services.active_matrix(shop)
    assert services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE).action == "reship"
    small_band = matrix.rules.get(claim_type="delivered_not_received", max_value=Decimal("50.00"))
    assert services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE).rule_position != small_band.position

    small_band.max_value = Decimal("75.00")
    small_band.action = "refund"
    small_band.save()

    decision = services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE)
    assert (decision.action, decision.rule_id) == ("refund", small_band.pk)


def test_a_deleted_rule_is_no_longer_used(shop):
    matrix = services.active_matrix(shop)
    assert services.evaluate(shop=shop, inputs=DecisionInput("chargeback", Decimal("10"))).matched

    matrix.rules.filter(claim_type="chargeback").delete()

    assert not services.evaluate(shop=shop, inputs=DecisionInput("chargeback", Decimal("10"))).matched


def test_an_unchanged_matrix_is_evaluated_with_one_query(shop, django_assert_num_queries):
    services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE)

    # The active matrix with its rules' change stamp; the compiled rules come from the cache.
    with django_assert_num_queries(1):
        services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE)


@pytest.mark.django_db(transaction=True)
def test_two_first_decisions_of_a_new_shop_at_once_create_one_default_matrix():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    shop = Shop.objects.create(slug="neu", name="Neu")
    barrier = threading.Barrier(4)
    got, failed = [], []

    def first_decision():
        try:
            barrier.wait()
            got.append(services.evaluate(shop=shop, inputs=SMALL_PARCEL_GONE).matrix_id)
        except Exception as error:  # noqa: BLE001 - reported below
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_decision) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failed == []
    assert DecisionMatrix.objects.filter(shop=shop).count() == 1
    assert set(got) == {DecisionMatrix.objects.get(shop=shop).pk}
