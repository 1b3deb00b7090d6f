"""The timeline's verbs are words in every language the desk speaks."""

from django.utils import translation

from cases.verbs import Verb


def test_a_finished_playbook_step_is_in_the_german_and_swedish_catalogue():
    with translation.override("de"):
        assert str(Verb.PLAYBOOK_STEP.label) == "Playbook-Schritt erledigt"
    with translation.override("sv"):
        assert str(Verb.PLAYBOOK_STEP.label) != "Playbook step done"
