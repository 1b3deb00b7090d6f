"""Small helpers that save round trips to the database."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def counts(**querysets: QuerySet) -> dict[str, int]:
    """Several `COUNT(*)`s in one query: `counts(claims=..., orders=...)` -> {"claims": 3, "orders": 7}.

    Each a scalar subquery of one SELECT, so PostgreSQL plans each on its own indexes.
    """
    parts, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{len(parts)})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))
