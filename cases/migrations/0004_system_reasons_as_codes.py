# Reasons the system gave used to be stored as English sentences in an event's data["reason"]
# and parsed back with patterns to translate them. Now they are a code with parameters
# (cases.verbs.Reason); this turns the sentences already stored into codes, once.

import re

from django.db import migrations

FIXED = {
    "within the return policy": "within_policy",
    "buyer keeps the goods": "buyer_keeps_goods",
    "Nothing was accepted at inspection.": "nothing_accepted",
    "no carrier scan before the label expired": "label_expired",
    "buyer replied by e-mail": "buyer_replied",
    "replied to the buyer": "replied_to_buyer",
    "No rule of the matrix matched this case, so a person decides.": "no_rule_matched",
}
PATTERNS = [
    (re.compile(r"^return (?P<status>[a-z_]+)$"), "return_moved"),
    (re.compile(r"^Return (?P<rma>\S+)$"), "return_refund"),
    (re.compile(r"^Refund (?P<amount>\S+) above the agent's limit (?P<limit>\S+)$"), "above_limit"),
]


def coded(reason: str) -> tuple[str, dict] | None:
    if reason in FIXED:
        return FIXED[reason], {}
    for pattern, code in PATTERNS:
        if match := pattern.match(reason):
            return code, match.groupdict()
    return None


def forwards(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    candidates = CaseEvent.objects.filter(data__has_key="reason").exclude(data__reason="")
    changed = []
    for event in candidates.only("id", "data").iterator(chunk_size=2000):
        found = coded(str(event.data.get("reason", "")))
        if found is None:
            continue  # typed by a person: stays as typed
        event.data.pop("reason")
        event.data["reason_code"], event.data["reason_params"] = found
        changed.append(event)
        if len(changed) >= 2000:
            CaseEvent.objects.bulk_update(changed, ["data"])
            changed = []
    CaseEvent.objects.bulk_update(changed, ["data"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
