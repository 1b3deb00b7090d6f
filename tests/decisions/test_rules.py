"""A matrix file meant for another shop, and needed-by windows no database column can hold."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from decisions import services
from decisions.models import DecisionMatrix
from orders.models import Shop

from .factories import rule

pytestmark = pytest.mark.django_db


def import_file(tmp_path, shop, data, *args):
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    call_command("import_matrix", str(path), "--shop", shop.slug, *args, stdout=StringIO())


def leinen_file():
    return {"shop": "leinen", "currency": "EUR", "auto_apply_limit": "50.00", "rules": [rule()]}


def test_a_file_of_another_shop_is_refused(shop, tmp_path):
    other = Shop.objects.create(slug="wolle", name="Wolle", currency="EUR")

    with pytest.raises(CommandError, match="shop: .*'leinen'.*--force"):
        import_file(tmp_path, other, leinen_file())
    assert not DecisionMatrix.objects.filter(shop=other).exists()


def test_force_imports_a_file_of_another_shop(shop, tmp_path):
    other = Shop.objects.create(slug="wolle", name="Wolle", currency="EUR")

    import_file(tmp_path, other, leinen_file(), "--force")

    assert DecisionMatrix.objects.filter(shop=other).count() == 1


@pytest.mark.parametrize("days", [1_000_000_000_000, 3651, -1])
def test_a_needed_within_window_beyond_ten_years_is_refused(days):
    errors = services.rule_errors(rule(needed_within_days=days))

    assert "needed_within_days" in errors


def test_ten_years_is_still_a_window():
    assert services.rule_errors(rule(needed_within_days=3650)) == {}
