"""DRF's plain-text API tokens become knox's hashed, expiring ones, for the same keys.

Every row of `authtoken_token` (rest_framework.authtoken, no longer installed) becomes a knox
AuthToken holding the SHA-512 of the same key, so a script keeps its token; it expires after
POSTSALE_API_TOKEN_DAYS from now. Then the plain-text rows are deleted: the table stays, empty.
A database that never had DRF's tokens has nothing to do.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from config.api_tokens import legacy_token_rows

LEGACY_TABLE = "authtoken_token"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    quoted = schema_editor.quote_name(LEGACY_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {schema_editor.quote_name('key')}, user_id, created FROM {quoted}")
        keys = cursor.fetchall()
    AuthToken = apps.get_model("knox", "AuthToken")
    rows = legacy_token_rows(keys, now=timezone.now(), days=settings.POSTSALE_API_TOKEN_DAYS)
    AuthToken.objects.bulk_create(
        [AuthToken(**{k: v for k, v in row.items() if k != "created"}) for row in rows]
    )
    for row in rows:
        # `created` is set on insert (auto_now_add): the token's real age is written afterwards.
        AuthToken.objects.filter(digest=row["digest"]).update(created=row["created"])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted}")


class Migration(migrations.Migration):
    dependencies = [
        ("knox", "0009_extend_authtoken_field"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
