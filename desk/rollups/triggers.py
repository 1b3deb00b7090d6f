"""PostgreSQL triggers that note which shop-days a write touched, for the rollup refresh.

In the database rather than in the services because the facts change in many
places, often by `queryset.update()` compare-and-sets and bulk inserts that no
Python hook sees; a trigger cannot be forgotten by the next service. Each table
names the columns the rollups read (other updates, like a parcel's tracking
status, mark nothing) and how to reach (shop, timestamp) pairs from a row `R`;
the old and the new row are both marked, so a case that moves from one day's
"resolved" to another's leaves neither stale.

SQLite (a laptop's default) has none of this: there the refresh rebuilds
everything, which at laptop sizes takes a moment.
"""

from __future__ import annotations

ORDER_OF = "SELECT o.shop_id, o.placed_at FROM orders_order o WHERE o.id = R.order_id"

TABLES: dict[str, tuple[list[str], str]] = {
    "orders_order": (
        ["shop_id", "placed_at", "total", "currency", "cancelled_at", "sales_channel"],
        "SELECT R.shop_id, R.placed_at",
    ),
    "orders_orderline": (["order_id", "sku", "title", "quantity", "unit_price"], ORDER_OF),
    "orders_shipment": (["order_id", "carrier_id", "signature_required"], ORDER_OF),
    "cases_case": (
        [
            "shop_id",
            "kind",
            "status",
            "currency",
            "opened_at",
            "resolved_at",
            "first_response_due",
            "first_responded_at",
            "cost_total",
        ],
        "SELECT R.shop_id, R.opened_at UNION ALL SELECT R.shop_id, R.resolved_at",
    ),
    "claims_claim": (
        ["case_id", "type", "shipment_id", "dispute_settled_at", "dispute_cost"],
        "SELECT c.shop_id, c.opened_at FROM cases_case c WHERE c.id = R.case_id"
        " UNION ALL SELECT c.shop_id, R.dispute_settled_at FROM cases_case c WHERE c.id = R.case_id"
        " UNION ALL SELECT o.shop_id, o.placed_at FROM orders_shipment s"
        " JOIN orders_order o ON o.id = s.order_id WHERE s.id = R.shipment_id",
    ),
    "cases_refund": (
        ["order_id", "status", "amount", "currency", "created_at"],
        "SELECT o.shop_id, R.created_at FROM orders_order o WHERE o.id = R.order_id",
    ),
    "claims_resolution": (
        ["case_id", "action", "goods_cost", "shipping_cost", "created_at"],
        "SELECT c.shop_id, R.created_at FROM cases_case c WHERE c.id = R.case_id",
    ),
    "claims_carrierclaim": (
        ["claim_id", "recovered_amount", "created_at"],
        "SELECT c.shop_id, R.created_at FROM claims_claim k JOIN cases_case c ON c.id = k.case_id"
        " WHERE k.id = R.claim_id",
    ),
    "returns_returnrequest": (
        ["order_id", "status", "received_at", "expired_at", "keep_item", "created_at"],
        ORDER_OF + " UNION ALL SELECT o.shop_id, R.created_at FROM orders_order o WHERE o.id = R.order_id",
    ),
    "returns_returnline": (
        ["request_id", "order_line_id", "quantity", "received_quantity", "accepted_quantity", "reason"],
        "SELECT o.shop_id, o.placed_at FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id"
        " WHERE l.id = R.order_line_id"
        " UNION ALL SELECT o.shop_id, q.created_at FROM returns_returnrequest q"
        " JOIN orders_order o ON o.id = q.order_id WHERE q.id = R.request_id",
    ),
}


def _mark(pairs: str, row: str) -> str:
    return (
        "INSERT INTO desk_rollupdirty (shop_id, day) SELECT DISTINCT s, (t AT TIME ZONE 'UTC')::date"
        f" FROM ({pairs.replace('R.', row + '.')}) AS x(s, t) WHERE s IS NOT NULL AND t IS NOT NULL;"
    )


def create_sql() -> list[str]:
    statements = []
    for table, (columns, pairs) in TABLES.items():
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        statements.append(
            f"""
CREATE OR REPLACE FUNCTION rollup_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_mark(pairs, "NEW")}
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_mark(pairs, "OLD")}
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS rollup_mark ON {table};
CREATE TRIGGER rollup_mark AFTER INSERT OR DELETE OR UPDATE OF {", ".join(columns)} ON {table}
    FOR EACH ROW EXECUTE FUNCTION rollup_mark_{table}();
"""
        )
    return statements


def drop_sql() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS rollup_mark ON {table}; DROP FUNCTION IF EXISTS rollup_mark_{table}();"
        for table in TABLES
    ]
