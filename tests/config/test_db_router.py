"""Reports read from the replica when one is configured; nothing is ever written there."""

import pytest
from django.test import override_settings

from cases.models import Case
from config.db_router import ReportsToReplicaRouter, reporting
from desk.rollups.models import CaseDay, MoneyDay, RollupDirty, RollupState
from orders.models import Shop
from tests.config.test_settings import settings_of

# Only the router's answers are tested here: no query runs against these settings.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
router = ReportsToReplicaRouter()
PRIMARY_ONLY = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postsale"}}
WITH_REPLICA = PRIMARY_ONLY | {"replica": {"ENGINE": "django.db.backends.postgresql", "NAME": "postsale"}}


@pytest.fixture
def replica():
    with override_settings(DATABASES=WITH_REPLICA):
        yield


def test_without_a_replica_everything_reads_from_the_primary():
    with override_settings(DATABASES=PRIMARY_ONLY), reporting():
        assert router.db_for_read(MoneyDay) is None
        assert router.db_for_read(Case) is None


def test_rollups_are_read_from_the_replica_wherever_they_are_read(replica):
    assert router.db_for_read(MoneyDay) == "replica"
    assert router.db_for_read(CaseDay) == "replica"
    assert router.db_for_read(RollupState) == "replica"


def test_the_refresh_reads_its_marks_from_the_primary(replica):
    # The refresh deletes the marks it read: reading a lagging copy would delete marks it never saw.
    assert router.db_for_read(RollupDirty) is None


def test_other_reads_go_to_the_replica_only_inside_a_report(replica):
    assert router.db_for_read(Case) is None
    assert router.db_for_read(Shop) is None
    with reporting():
        assert router.db_for_read(Case) == "replica"
        assert router.db_for_read(Shop) == "replica"
    assert router.db_for_read(Case) is None


def test_writes_go_to_the_primary_even_for_what_was_read_from_the_replica(replica):
    shop = Shop(name="Leinen")
    shop._state.db = "replica"
    with reporting():
        assert router.db_for_write(Shop, instance=shop) == "default"
        assert router.db_for_write(MoneyDay) == "default"


def test_migrations_never_run_on_the_replica(replica):
    assert router.allow_migrate("replica", "desk", "moneyday") is False
    assert router.allow_migrate("default", "desk", "moneyday") is None


def test_rows_of_either_copy_may_refer_to_each_other(replica):
    a, b = Shop(), Case()
    a._state.db, b._state.db = "replica", "default"
    assert router.allow_relation(a, b) is True


def test_database_replica_url_adds_the_replica(tmp_path):
    url = "postgres://reader@replica.internal:5432/postsale"
    assert settings_of("DATABASES['replica']['HOST']", tmp_path, DATABASE_REPLICA_URL=url) == [
        "replica.internal"
    ]
    assert settings_of("DATABASES.keys()", tmp_path) == ["dict_keys(['default'])"]
