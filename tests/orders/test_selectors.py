"""The one rule for naming an order's line: by its position, or by an SKU only one line carries."""

import pytest
from django.core.exceptions import ValidationError

from orders.selectors import order_by_key, order_line_for, order_lines_for
from tests.factories import NAPKINS, TABLECLOTH

pytestmark = pytest.mark.django_db


def test_a_line_is_found_by_its_position(napkins_twice):
    assert order_line_for(napkins_twice, position=2).sku == TABLECLOTH["sku"]


def test_a_line_is_found_by_an_sku_only_it_carries(napkins_twice):
    assert order_line_for(napkins_twice, sku=TABLECLOTH["sku"]).position == 2


def test_the_position_decides_when_the_sku_is_on_several_lines(napkins_twice):
    assert order_line_for(napkins_twice, position=3, sku=NAPKINS["sku"]).quantity == 2


def test_an_sku_on_several_lines_is_refused_naming_the_positions(napkins_twice):
    with pytest.raises(ValidationError) as refused:
        order_line_for(napkins_twice, sku=NAPKINS["sku"])

    assert refused.value.message_dict == {
        "sku": [f"SKU {NAPKINS['sku']} is on lines 1 and 3; give the position."]
    }


def test_an_unknown_position_is_refused_naming_the_position(napkins_twice):
    with pytest.raises(ValidationError) as refused:
        order_line_for(napkins_twice, position=9)

    assert refused.value.message_dict == {"position": ["This line is not on the order."]}


def test_an_unknown_sku_is_refused_naming_the_sku(napkins_twice):
    with pytest.raises(ValidationError) as refused:
        order_line_for(napkins_twice, sku="NOPE")

    assert refused.value.message_dict == {"sku": ["This line is not on the order."]}


def test_every_bad_reference_of_a_list_is_named_by_its_path(napkins_twice):
    with pytest.raises(ValidationError) as refused:
        order_lines_for(napkins_twice, [{"position": 2}, {"sku": NAPKINS["sku"]}, {"position": 7}])

    assert set(refused.value.message_dict) == {"lines[1].sku", "lines[2].position"}


def test_a_list_of_references_reads_the_lines_once(napkins_twice, django_assert_num_queries):
    with django_assert_num_queries(1):
        lines = order_lines_for(napkins_twice, [{"position": 3}, {"sku": TABLECLOTH["sku"]}, {"position": 1}])

    assert [line.position for line in lines] == [3, 2, 1]


def test_an_order_is_found_by_its_id_or_by_its_shop_and_number(napkins_twice):
    by_id = order_by_key(pk=napkins_twice.pk)
    by_number = order_by_key(shop=napkins_twice.shop.slug, number=napkins_twice.number)

    assert by_id == by_number == napkins_twice
    assert order_by_key(shop=napkins_twice.shop.slug, number="404") is None
