"""Server-side prepared statements for psycopg2: PostgreSQL parses and plans a repeated query once.

A desk page asks the same few questions on every request, and PostgreSQL spent longer parsing and
planning them than answering (the case page's batch: 4.5 ms to plan and run, 0.7 ms once prepared;
the case itself 1.9 ms, 0.3). psycopg 3 prepares repeated statements by itself; psycopg2 sends
every query as text. This cursor does what psycopg 3 does: the second time a connection sends the
same statement, it is `PREPARE`d, and from then on sent as `EXECUTE name(values)`.

What stays exactly as before:
- The values' types. psycopg2 writes each value into the query as a literal (`5`, `'text'`,
  `'2026-12-07 …'::timestamptz`); each prepared parameter is declared with the type that literal has
  (an integer `integer`, or `bigint` past its range; a string `unknown`, as a quoted literal is), so
  PostgreSQL resolves operators and functions as it did. Values of other types (lists, JSON, floats)
  leave the statement unprepared.
- Transactions. A statement PostgreSQL cannot prepare (a parameter whose type it cannot infer) is
  tried inside a savepoint when a transaction is open, so the failure costs nothing but the
  attempt; the statement then runs as plain text on this connection from then on.
- What Django and its logs see: `cursor.query` is the query with its values, as before.

Off with `DATABASE_PREPARED_STATEMENTS=false`, for a pooler that hands one client's connection
to another between transactions (PgBouncer in transaction mode), where a prepared statement
belongs to a connection the next request may not get.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections import OrderedDict
from decimal import Decimal

import psycopg2
from psycopg2 import errorcodes
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS

# A statement is prepared the second time a connection sends it: one-off queries are not.
PREPARE_AT = 2
# Prepared statements a connection keeps (each holds its plan in the server's memory); the one
# unused longest is deallocated to make room, as psycopg 3 does with its default of 100.
KEEP = 100
# Statements a connection remembers having seen once, to know the second time.
REMEMBER = 1000
# Only these are worth preparing (and only these can be: not SET, SAVEPOINT, COPY, DDL).
PREPARABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"%(%|s)")
INT4 = range(-(2**31), 2**31)
INT8 = range(-(2**63), 2**63)
# A statement that no longer fits the tables (prepared before a migration changed a column) or
# that the server forgot (DISCARD ALL): forget it here too, and send the query as text.
def stale(error: psycopg2.Error) -> bool:
    return error.pgcode == errorcodes.INVALID_SQL_STATEMENT_NAME or (
        error.pgcode == errorcodes.FEATURE_NOT_SUPPORTED and "cached plan" in str(error)
    )


def declared_type(value) -> str | None:
    """The type of the literal psycopg2 writes for `value`; None where the statement stays text."""
    kind = type(value)
    if value is None:
        return "unknown"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "integer" if value in INT4 else "bigint" if value in INT8 else None
    if isinstance(value, str):
        return "unknown"
    if kind is Decimal:
        return "numeric"
    if kind is datetime.datetime:
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if kind is datetime.date:
        return "date"
    if kind is uuid.UUID:
        return "uuid"
    return None


class PreparingConnection(psycopg2.extensions.connection):
    """A psycopg2 connection that remembers which statements it has prepared."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared: OrderedDict[tuple, tuple[str, str]] = OrderedDict()  # (sql, types) -> name, EXECUTE
        self.seen: dict[tuple, None] = {}
        self.unpreparable: set[tuple] = set()

    def forget_prepared(self) -> None:
        self.prepared.clear()
        self.seen.clear()


class PreparingCursor(psycopg2.extensions.cursor):
    """Sends a statement the connection has prepared as `EXECUTE`; see the module's docstring."""

    _original: tuple | None = None

    def execute(self, query, vars=None):
        self._original = None
        key = self._key(query, vars)
        if key is None:
            return super().execute(query, vars)
        connection = self.connection
        if key in connection.prepared:
            connection.prepared.move_to_end(key)
            statement = connection.prepared[key][1]
        else:
            statement = self._prepare(key)
            if statement is None:
                return super().execute(query, vars)
        self._original = (query, vars)
        try:
            return super().execute(statement, vars)
        except psycopg2.Error as error:
            if not stale(error):
                raise
            connection.forget_prepared()
            self._original = None
            if connection.info.transaction_status != TRANSACTION_STATUS_IDLE:
                raise  # the transaction is lost already; the caller retries as for any error
            return super().execute(query, vars)

    def executemany(self, query, vars_list):
        self._original = None
        return super().executemany(query, vars_list)

    @property
    def query(self):
        """The query with its values, as psycopg2 would have sent it (Django logs this)."""
        if self._original is not None:
            return self.mogrify(*self._original)
        return super().query

    def _key(self, query, vars) -> tuple | None:
        if self.name is not None or not isinstance(vars, (list, tuple)) or not isinstance(query, str):
            return None  # a server-side cursor, named placeholders, or nothing to bind
        types = tuple(declared_type(value) for value in vars)
        if None in types or not PREPARABLE.match(query):
            return None
        return (query, types)

    def _prepare(self, key: tuple) -> str | None:
        """PREPARE the statement on its second sighting; its EXECUTE text, or None to send it as text."""
        connection = self.connection
        if key in connection.unpreparable:
            return None
        if key not in connection.seen:
            if len(connection.seen) >= REMEMBER:
                connection.seen.clear()
                connection.unpreparable.clear()
            connection.seen[key] = None
            return None
        status = connection.info.transaction_status
        if status not in (TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS):
            return None  # a failed transaction: the query fails as text, as it would have
        query, types = key
        text = _numbered(query, len(types))
        if text is None:
            connection.unpreparable.add(key)
            return None
        name = "ps_" + hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()
        prepare = f"PREPARE {name} ({', '.join(types)}) AS {text}" if types else f"PREPARE {name} AS {text}"
        if len(connection.prepared) >= KEEP:
            _key, (oldest, _statement) = connection.prepared.popitem(last=False)
            prepare = f"DEALLOCATE {oldest}; {prepare}"
        # Inside a transaction (or one psycopg2 is about to begin), a failed PREPARE must not end it.
        guarded = status == TRANSACTION_STATUS_INTRANS or not connection.autocommit
        try:
            if guarded:
                super().execute(f"SAVEPOINT postsale_prepare; {prepare}; RELEASE SAVEPOINT postsale_prepare")
            else:
                super().execute(prepare)
        except psycopg2.Error:
            if guarded:
                super().execute("ROLLBACK TO SAVEPOINT postsale_prepare; RELEASE SAVEPOINT postsale_prepare")
            connection.unpreparable.add(key)
            return None
        statement = f"EXECUTE {name}({', '.join(['%s'] * len(types))})" if types else f"EXECUTE {name}"
        connection.prepared[key] = (name, statement)
        return statement


def _numbered(query: str, count: int) -> str | None:
    """The query with psycopg2's `%s` placeholders as PostgreSQL's `$1, $2…` (and `%%` as `%`)."""
    numbers = iter(range(1, count + 1))
    try:
        text = PLACEHOLDER.sub(lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", query)
    except StopIteration:
        return None  # more placeholders than values: psycopg2 will say so
    if next(numbers, None) is not None:
        return None  # fewer
    return text
