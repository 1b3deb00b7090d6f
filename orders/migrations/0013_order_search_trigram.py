from django.db import migrations

# The desk's order search ("New case": desk.order_search) matches part of an order number, a buyer's
# e-mail or name (accents folded: "Kroger" finds "Kröger"), or a whole tracking number, in any
# case: trigram indexes on exactly the expressions it filters on, so a phone call finds its order
# among a million without reading them all. PostgreSQL only; SQLite scans, fine for a demo.

STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is not immutable (its dictionary could change), so it cannot be indexed; this
    # wrapper names the dictionary and promises that it will not.
    """
    CREATE OR REPLACE FUNCTION postsale_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    "CREATE INDEX IF NOT EXISTS order_number_trgm ON orders_order USING gin (UPPER(number::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS buyer_email_trgm ON orders_buyer USING gin (UPPER(email::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS buyer_name_folded_trgm ON orders_buyer "
    "USING gin (UPPER(postsale_unaccent(name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS shipment_tracking_upper ON orders_shipment (UPPER(tracking_number::text))",
]
DROP = [
    "DROP INDEX IF EXISTS order_number_trgm",
    "DROP INDEX IF EXISTS buyer_email_trgm",
    "DROP INDEX IF EXISTS buyer_name_folded_trgm",
    "DROP INDEX IF EXISTS shipment_tracking_upper",
    "DROP FUNCTION IF EXISTS postsale_unaccent(text)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in STATEMENTS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("orders", "0012_buyer_greeting_and_tracking_updates")]
    operations = [migrations.RunPython(forwards, backwards)]
