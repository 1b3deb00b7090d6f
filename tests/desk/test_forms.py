from cases.choices import RESOLUTIONS, WAITING, Action
from desk.forms import ACTION_CHOICES, ActForm


def test_the_action_form_offers_every_action_once():
    offered = [value for value, _label in ACTION_CHOICES]
    assert sorted(offered) == sorted(Action.values)
    assert len(offered) == len(set(offered))


def test_the_actions_that_settle_a_claim_come_before_the_ones_that_wait():
    offered = [value for value, _label in ACTION_CHOICES]
    assert offered == [*RESOLUTIONS, *WAITING]


def test_the_action_form_accepts_an_action_that_keeps_the_claim_waiting():
    form = ActForm({"action": Action.REQUEST_INFO, "reason": "Ask the neighbours first."})
    assert form.is_valid(), form.errors
    assert form.service_kwargs()["action"] == "request_info"
