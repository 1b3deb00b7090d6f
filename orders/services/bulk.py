"""Query helpers for writing whole batches with a fixed number of statements."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q


def any_of(conditions) -> Q:
    """The conditions OR-ed together (no condition: everything)."""
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def bulk_update(objects: list, field_names) -> None:
    """`bulk_update`, as one `UPDATE … FROM (VALUES …)` on PostgreSQL.

    Django's bulk_update writes `CASE WHEN id = … THEN …` per column, which
    PostgreSQL evaluates row by row against every branch: quadratic in the
    batch, and the slowest step of a 500-event request.
    """
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, field_names)
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    pk = model._meta.pk
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in [pk, *fields]) + ")"
    params = []
    for obj in objects:
        for field in [pk, *fields]:
            params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
    columns = ", ".join(quote(field.column) for field in [pk, *fields])
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([row] * len(objects))}) AS v({columns}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
