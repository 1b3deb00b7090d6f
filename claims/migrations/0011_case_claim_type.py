"""Copy each claim's type onto its case (`Case.claim_type`), which the queue filters by."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_types(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Claim = apps.get_model("claims", "Claim")
    Case.objects.filter(claim__isnull=False).update(
        claim_type=Subquery(Claim.objects.filter(case_id=OuterRef("pk")).values("type")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_buyer_texts"),
        ("cases", "0023_case_claim_type"),
    ]

    operations = [migrations.RunPython(copy_types, migrations.RunPython.noop)]
