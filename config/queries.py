"""Small helpers that save round trips to the database."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time


def counts(**querysets: QuerySet) -> dict[str, int]:
    """Several `COUNT(*)`s in one query: `counts(claims=..., orders=...)` -> {"claims": 3, "orders": 7}.

    Each a scalar subquery of one SELECT, so PostgreSQL plans each on its own indexes. A sliced
    queryset counts at most its slice (`qs[:1000]`: a count that stops at 1,000).
    """
    parts, params = [], []
    for queryset in querysets.values():
        unordered = queryset if queryset.query.is_sliced else queryset.order_by()
        sql, query_params = unordered.values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{len(parts)})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def fetch_together(querysets: dict[str, QuerySet]) -> dict[str, list]:
    """Several querysets' rows in one round trip: {name: [model instances]}.

    A page that shows a case with its events, notes, parcels, e-mails… would ask PostgreSQL
    twenty small questions one after the other. Here each becomes a scalar subquery of one SELECT
    that answers it as a JSON array (`json_agg` over the queryset's own SQL, its ORDER BY kept),
    and the rows are turned back into model instances with Django's own machinery: the same
    columns, select_related objects and field conversions as iterating the queryset. Plain model
    querysets only (no values(), no prefetch_related: prefetch by putting the related rows in the
    batch too). Elsewhere than on PostgreSQL, one query each.
    """
    for name, queryset in querysets.items():
        if queryset._prefetch_related_lookups or queryset._fields is not None:
            raise ValueError(
                f"{name}: only plain querysets of model instances (no values(), no prefetch_related())."
            )
    if connection.vendor != "postgresql" or not querysets:
        return {name: list(queryset) for name, queryset in querysets.items()}
    batch = _Batch.compile(querysets)
    return batch.run(batch.params)


@dataclass
class _Batch:
    """One statement answering several querysets, and what turns its answers back into instances."""

    querysets: dict[str, QuerySet]
    compilers: list
    sql: str
    params: list

    @classmethod
    def compile(cls, querysets: dict[str, QuerySet]) -> _Batch:
        compilers, parts, params = [], [], []
        for index, queryset in enumerate(querysets.values()):
            compiler = queryset.query.get_compiler(using=queryset.db)
            try:
                sql, query_params = compiler.as_sql()
            except EmptyResultSet:
                # Nothing can match (`pk__in=[]`, an id past the column's range): Django asks the
                # database nothing for such a queryset, and neither does the batch.
                parts.append("'[]'")
                compilers.append(None)
                continue
            columns = ", ".join(f"c{n}" for n in range(len(compiler.select)))
            parts.append(
                # Renamed c0, c1…: a select_related join repeats column names ("id"); objects, not
                # arrays, because json_build_array takes at most 100 arguments.
                f"(SELECT coalesce(json_agg(batch_{index}), '[]')::text FROM ({sql}) AS batch_{index}({columns}))"
            )
            params.extend(query_params)
            compilers.append(compiler)
        return cls(querysets, compilers, "SELECT " + ", ".join(parts), params)

    def run(self, params: list) -> dict[str, list]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            answers = cursor.fetchone()
        return {
            name: [] if compiler is None else _instances(queryset, compiler, json.loads(answer, parse_float=Decimal))
            for (name, queryset), compiler, answer in zip(
                self.querysets.items(), self.compilers, answers, strict=True
            )
        }


@dataclass
class _Shape:
    """A batch compiled with stand-ins, and where each call's own values go in its parameters."""

    batch: _Batch
    slots: list[tuple[int, str]]  # (position in the parameters, name of the value)

    def params(self, values: dict) -> list:
        params, flat = list(self.batch.params), _flat(values)
        for position, name in self.slots:
            params[position] = flat[name]
        return params


_shapes = threading.local()
STAND_IN_TIME = datetime(1111, 1, 1, tzinfo=UTC)


def fetch_shaped(name: str, build: Callable[..., dict[str, QuerySet]], **values) -> dict[str, list]:
    """`fetch_together(build(**values))`, its statement compiled once per process and shape.

    Django compiles a queryset in about half a millisecond; a page of two dozen reads spent more
    on that than PostgreSQL spent answering them. `build` makes the reads from `values` (ids, a
    non-empty tuple of ids, a word, an aware datetime) and may use each only as a parameter of a
    query. The reads are compiled once with stand-ins for the values, and each call puts its own
    values where the stand-ins were. A value that is None makes another shape (a case without an
    order reads no parcels), and so does a tuple of another length. The first call of a shape
    checks that its stand-ins give exactly the statement its own values compile to; a build that
    uses a value in any other way is compiled afresh on every call.
    """
    if connection.vendor != "postgresql" or not all(map(_storable, values.values())):
        # An id past what a column holds matches nothing, and is not a value to compile a shape from.
        return fetch_together(build(**values))
    # None reads differently from a value, and a tuple of ids compiles to as many parameters as it holds.
    sizes = tuple(
        (key, -1 if value is None else len(value))
        for key, value in values.items()
        if value is None or isinstance(value, tuple)
    )
    key = (name, connection.alias, sizes)
    shapes = _shapes.__dict__.setdefault("by_key", {})
    if key not in shapes:
        shapes[key] = _shape(build, values)
    shape = shapes[key]
    if shape is None:
        return fetch_together(build(**values))
    return shape.batch.run(shape.params(values))


def _shape(build, values: dict) -> _Shape | None:
    stand_ins = {
        name: None if value is None else stand_in(index, value)
        for index, (name, value) in enumerate(values.items())
    }
    shaped = _Batch.compile(build(**stand_ins))
    shape = _Shape(shaped, param_slots(shaped.params, _flat(stand_ins)))
    own = _Batch.compile(build(**values))
    if own.sql != shaped.sql or own.params != shape.params(values):
        return None
    return shape


def _storable(value) -> bool:
    """False for an integer (or a tuple holding one) that no bigint column can hold."""
    if isinstance(value, tuple):
        return all(map(_storable, value))
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _flat(values: dict) -> dict:
    """Each value by its name, and each id of a tuple by (name, index)."""
    flat = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            flat.update({(name, index): item for index, item in enumerate(value)})
        else:
            flat[name] = value
    return flat


def param_slots(params, stand_ins: dict) -> list[tuple[int, str]]:
    """Where in a compiled query's parameters each stand-in went: [(position, name of the value)]."""
    return [
        (position, name)
        for position, param in enumerate(params)
        for name, value in stand_ins.items()
        if value is not None and type(param) is type(value) and param == value
    ]


def stand_in(index: int, value):
    """A value of the same type that no real id or word equals, to compile a query once for many values."""
    if isinstance(value, bool):
        raise TypeError("fetch_shaped: a flag changes a read's shape; make it part of the name.")
    if isinstance(value, tuple) and value and all(type(item) is int for item in value):
        return tuple(-(2**61) - 1000 * index - position for position in range(len(value)))
    if isinstance(value, int):
        return -(2**62) - index
    if isinstance(value, str):
        return f"\x00stand-in {index}\x00"
    if isinstance(value, datetime) and value.tzinfo is not None:
        return STAND_IN_TIME + timedelta(microseconds=index)  # centuries before any order
    raise TypeError(f"fetch_shaped: ids, words and times only, not {type(value).__name__}.")


def _instances(queryset: QuerySet, compiler, rows: list[dict]) -> list:
    """What iterating the queryset gives (`ModelIterable`), from rows decoded from JSON."""
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    fields = [column[0] for column in select[: compiler.col_count]]
    decoders = [(f"c{n}", _decoder(field.output_field)) for n, field in enumerate(fields)]
    rows = [[None if row[key] is None else decode(row[key]) for key, decode in decoders] for row in rows]
    # The fields' own conversions, as Django applies them to what the driver gave; a JSON
    # column arrives decoded already.
    converters = {
        index: converter
        for index, converter in compiler.get_converters(fields).items()
        if fields[index].output_field.get_internal_type() != "JSONField"
    }
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, queryset.db)
    instances = []
    for row in rows:
        instance = model.from_db(queryset.db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for attribute, position in (annotation_col_map or {}).items():
            setattr(instance, attribute, row[position])
        instances.append(instance)
    return instances


def _decoder(field):
    """A JSON value as the database driver would have given it, for the field's own converters."""
    return _DECODERS.get(field.get_internal_type(), _same)


def _json_value(value):
    """A JSON column's value as json.loads gives it: its fractions as floats, not as the Decimals
    the batch was parsed with (money columns need those)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _same(value):
    return value


def prefetched(instance, name: str, rows: list) -> None:
    """Put `rows` where `instance.<name>.all()` finds them, as prefetch_related would.

    For rows fetched some other way (`fetch_together`); each row's foreign key back to `instance`
    is set too, so that `row.<parent>` asks nothing either.
    """
    manager = getattr(instance, name)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[manager.field.remote_field.cache_name] = (
        queryset
    )
    for row in rows:
        manager.field.set_cached_value(row, instance)


_DECODERS = {
    "DateTimeField": parse_datetime,
    "DateField": parse_date,
    "TimeField": parse_time,
    "DurationField": parse_duration,
    "DecimalField": Decimal,
    "FloatField": float,
    "UUIDField": uuid.UUID,
    "JSONField": _json_value,
}
