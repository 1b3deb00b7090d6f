"""Repeated queries are prepared on the server (config/prepared.py) and answer exactly as before."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from config import prepared
from orders.models import Order
from tests.factories import make_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side statements are PostgreSQL's"),
]


def statements() -> list[str]:
    """The statements this connection has prepared, as PostgreSQL lists them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'ps\\_%%'")
        return [row[0] for row in cursor.fetchall()]


def ask(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_a_query_sent_twice_is_prepared_and_answers_the_same(shop):
    order = make_order(shop, number="PREP-1")

    def find(number):
        return list(Order.objects.filter(number=number, shop=shop, total__gte=0).values_list("pk", flat=True))

    assert find("PREP-1") == [order.pk]
    assert not any('"orders_order"."total" >= $' in text for text in statements())

    for _ in range(7):  # past PostgreSQL's five custom plans, onto its generic one
        assert find("PREP-1") == [order.pk]
    assert find("PREP-2") == []

    assert any('"orders_order"."total" >= $' in text for text in statements())


def test_each_value_keeps_the_type_its_literal_had():
    # A JSON array's element by position: the index is an integer, as psycopg2 writes 1. Declared
    # as text it would look up a key "1" and answer NULL.
    for _ in range(3):
        assert ask("""SELECT '{"a": [10, 20]}'::jsonb -> 'a' -> %s""", [1]) == [("20",)]
    assert any("-> $1" in text for text in statements())
    # Integers past 32 bits, money, times, a NULL and words each answer as their literal did.
    big = 2**40
    at = datetime.datetime(2026, 12, 7, 18, 0, tzinfo=datetime.UTC)
    for _ in range(3):
        assert ask("SELECT %s + 1, %s * 2, %s + interval '1 hour', %s::text IS NULL, upper(%s)", [
            big, Decimal("1.25"), at, None, "kröger"
        ]) == [(big + 1, Decimal("2.50"), at + datetime.timedelta(hours=1), True, "KRÖGER")]


def test_a_statement_postgresql_cannot_prepare_leaves_the_transaction_usable(shop):
    # "could not determine data type of parameter $1": as text the same query is fine.
    with transaction.atomic():
        for _ in range(3):
            assert ask("SELECT %s IS NULL", ["x"]) == [(False,)]
        order = make_order(shop, number="PREP-3")  # the transaction goes on
    assert Order.objects.filter(pk=order.pk).exists()
    assert "SELECT $1 IS NULL" not in statements()


def test_logs_and_captured_queries_show_the_values_not_the_statement_name(shop):
    make_order(shop, number="PREP-4")
    for _ in range(3):
        Order.objects.filter(number="PREP-4").exists()

    with CaptureQueriesContext(connection) as captured:
        Order.objects.filter(number="PREP-4").exists()

    assert "'PREP-4'" in captured[0]["sql"]
    assert "EXECUTE" not in captured[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_forgot_is_sent_as_text_again():
    for _ in range(3):
        assert ask("SELECT %s::int + 1", [41]) == [(42,)]
    assert any("$1::int + 1" in text for text in statements())

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's reset does

    assert ask("SELECT %s::int + 1", [41]) == [(42,)]


def test_a_connection_keeps_at_most_so_many_statements(monkeypatch):
    monkeypatch.setattr(prepared, "KEEP", 3)
    before = len(statements())
    for number in range(6):
        for _ in range(2):
            assert ask(f"SELECT %s::int + {number}", [1]) == [(1 + number,)]

    assert len(statements()) <= max(before, 3)  # each new one took the place of the oldest
    assert any("AS SELECT $1::int + 5" in text for text in statements())
