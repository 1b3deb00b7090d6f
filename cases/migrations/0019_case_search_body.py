import unicodedata

from django.db import migrations, models

# Full-text search over what was said and bought on a case (cases.search). On PostgreSQL a
# generated column stems the folded body in German, Swedish and English (plus unstemmed words,
# and the identifiers at the highest weight), under a GIN index; the model does not declare it,
# so Django never writes it and SQLite never sees it.

VECTOR = """
ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'A')
    || setweight(to_tsvector('german'::regconfig, coalesce(search_body, '')), 'B')
    || setweight(to_tsvector('swedish'::regconfig, coalesce(search_body, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(search_body, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, coalesce(search_body, '')), 'C')
) STORED
"""


def fold(text):
    # cases.search.fold, copied: a migration keeps working when the code it was written with changes.
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def vector_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VECTOR)
    schema_editor.execute("CREATE INDEX IF NOT EXISTS case_search_vector ON cases_case USING gin (search_vector)")


def vector_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_vector")
        schema_editor.execute("ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector")


def backfill(apps, schema_editor):
    """Cases opened before: identifiers folded ("kroger" finds "Kröger"), the body gathered as cases.search does."""
    Case = apps.get_model("cases", "Case")
    CaseNote = apps.get_model("cases", "CaseNote")
    OrderLine = apps.get_model("orders", "OrderLine")
    Claim = apps.get_model("claims", "Claim")
    InboundMessage = apps.get_model("messaging", "InboundMessage")
    OutboundMessage = apps.get_model("messaging", "OutboundMessage")
    rows = Case.objects.order_by("pk").values_list("pk", "order_id", "subject", "preview", "search_text")
    for pk, order_id, subject, preview, search_text in rows.iterator(chunk_size=500):
        parts = [subject, preview]
        parts += CaseNote.objects.filter(case_id=pk).values_list("body", flat=True)
        if order_id:
            parts += [
                f"{title} {sku}" for title, sku in OrderLine.objects.filter(order_id=order_id).values_list("title", "sku")
            ]
        parts += Claim.objects.filter(case_id=pk).values_list("statement", flat=True)
        for msg_subject, body in InboundMessage.objects.filter(case_id=pk).values_list("subject", "body"):
            parts += [msg_subject, body]
        for context in OutboundMessage.objects.filter(case_id=pk, event="agent_reply").values_list("context", flat=True):
            parts.append(str((context or {}).get("body", "")))
        Case.objects.filter(pk=pk).update(
            search_text=fold(search_text), search_body=fold(" ".join(p for p in parts if p))[:100_000]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0018_case_queue_preview_unread'),
        ('orders', '0011_payment_provider'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_body',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(vector_forwards, vector_backwards),
    ]
