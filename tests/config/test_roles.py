import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_groups_come_back_after_the_database_is_flushed():
    call_command("flush", interactive=False, verbosity=0)

    agents = Group.objects.get(name="Agents")
    assert agents.permissions.filter(codename="view_case").exists()
    assert Group.objects.get(name="Owners").permissions.filter(codename="change_decisionmatrix").exists()
