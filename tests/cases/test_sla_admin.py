"""Owners set their shop's SLA in the admin; saving it measures the shop's open cases again."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases import tasks
from cases.models import Case, SlaPolicy
from cases.sla import case_sla_refresh
from tests.factories import NAPKINS, make_claim, make_order

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def test_owner_edits_a_policy_and_open_cases_get_new_deadlines(
    owner_client, shop, django_capture_on_commit_callbacks
):
    case = make_claim(make_order(shop, lines=[dict(NAPKINS, quantity=1)])).case
    Case.objects.filter(pk=case.pk).update(opened_at=datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))
    case.refresh_from_db()
    case_sla_refresh(case)
    due_before = case.first_response_due

    with django_capture_on_commit_callbacks():
        response = owner_client.post(
            reverse("admin:cases_slapolicy_add"),
            {"shop": shop.pk, "case_type": "", "first_response_hours": "2", "resolution_hours": ""},
        )
    assert response.status_code == 302
    # The recompute waits for the commit (not run here), then runs as the worker would run it.
    case.refresh_from_db()
    assert case.first_response_due == due_before != datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)
    tasks.sla_recompute(shop.pk)

    case.refresh_from_db()
    # No opening hours: round the clock, two hours after opening.
    assert case.first_response_due == datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)


def test_an_agent_reads_but_cannot_change_the_policy(client, agent, shop):
    client.force_login(agent)

    response = client.post(
        reverse("admin:cases_slapolicy_add"),
        {"shop": shop.pk, "case_type": "", "first_response_hours": "1"},
    )

    assert response.status_code in (302, 403) and not SlaPolicy.objects.exists()
