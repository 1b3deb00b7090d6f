"""The owner's SLA page in the desk: targets per case type, opening hours and closed days."""

from datetime import date, time

import pytest

from cases import tasks
from cases.choices import ClaimType
from cases.models import Case, ClosedDay, OpeningHours, SlaPolicy
from tests.factories import make_claim, make_claim_cases, make_order

pytestmark = pytest.mark.django_db


def week(opens="08:00", closes="17:00", days=range(5)):
    return {f"{name}_{day}": value for day in days for name, value in (("opens", opens), ("closes", closes))}


def test_owner_sets_targets_hours_and_closed_days(owner_client, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        saved = [
            owner_client.post(
                f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "8"}
            ),
            owner_client.post(
                f"/desk/sla/{shop.slug}/policy/",
                {
                    "case_type": ClaimType.LOST_IN_TRANSIT,
                    "first_response_hours": "4",
                    "resolution_hours": "40",
                },
            ),
            owner_client.post(f"/desk/sla/{shop.slug}/hours/", week()),
            owner_client.post(
                f"/desk/sla/{shop.slug}/closed-days/", {"date": "2026-12-24", "name": "Heiligabend"}
            ),
        ]

    assert [response.status_code for response in saved] == [302] * 4
    # Each change re-measures the shop's open cases after its commit.
    assert len([callback for callback in callbacks if "sla_changed" in callback.__qualname__]) == 4
    assert set(SlaPolicy.objects.values_list("case_type", "first_response_hours", "resolution_hours")) == {
        ("", 8, None),
        (ClaimType.LOST_IN_TRANSIT, 4, 40),
    }
    assert list(OpeningHours.objects.values_list("weekday", "opens", "closes")) == [
        (day, time(8), time(17)) for day in range(5)
    ]
    assert ClosedDay.objects.get().date == date(2026, 12, 24)
    page = owner_client.get("/desk/sla/").content.decode()
    assert "Lost in transit" in page and 'value="08:00"' in page and "Heiligabend" in page


def test_bad_hours_are_refused_naming_the_field_and_change_nothing(owner_client, shop):
    OpeningHours.objects.create(shop=shop, weekday=0, opens=time(9), closes=time(12))

    bad_target = owner_client.post(
        f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "0"}
    )
    bad_week = owner_client.post(
        f"/desk/sla/{shop.slug}/hours/", week(opens="17:00", closes="08:00", days=[1])
    )

    assert bad_target.status_code == 400 and "Between 1 and 2000 hours." in bad_target.content.decode()
    assert (
        bad_week.status_code == 400 and "the closing one after the opening one" in bad_week.content.decode()
    )
    assert not SlaPolicy.objects.exists()
    assert list(OpeningHours.objects.values_list("weekday", "opens")) == [(0, time(9))]


def test_agents_and_other_shops_owners_cannot_change_the_sla(client, agent, shop, swedish_owner):
    client.force_login(agent)
    as_agent = client.post(f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "1"})
    assert as_agent.status_code == 403

    # An owner of another shop only: Leinen & Liebe answers as if it did not exist.
    client.force_login(swedish_owner)
    as_rival = client.post(f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "1"})
    assert as_rival.status_code == 404
    assert not SlaPolicy.objects.exists()


def test_saved_target_gives_open_cases_new_deadlines(owner_client, shop, carrier):
    case = make_claim_cases(shop, 1)[0]
    before = case.first_response_due
    owner_client.post(f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "200"})

    tasks.sla_recompute(shop.pk)  # what the worker runs after the commit

    case = Case.objects.get(pk=case.pk)
    assert case.first_response_due > before


def test_the_next_case_has_the_targets_just_set(owner_client, shop):
    # The shop's policies are read through the cache: a change must hold for the very next case.
    def first_answer_hours():
        case = make_claim(make_order(shop)).case
        return (case.first_response_due - case.opened_at).total_seconds() / 3600

    owner_client.post(f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "8"})
    assert first_answer_hours() == pytest.approx(8, abs=0.01)

    owner_client.post(f"/desk/sla/{shop.slug}/policy/", {"case_type": "", "first_response_hours": "2"})
    assert first_answer_hours() == pytest.approx(2, abs=0.01)

    # Changed past the settings page (the admin, a shell): the saved row drops the cached copy too.
    SlaPolicy.objects.filter(shop=shop).get().delete()
    SlaPolicy.objects.create(shop=shop, case_type="", first_response_hours=5)
    assert first_answer_hours() == pytest.approx(5, abs=0.01)
