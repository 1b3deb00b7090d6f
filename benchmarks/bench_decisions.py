"""Measure the decision engine and the simulation of a draft over past cases.

    .venv/bin/python benchmarks/bench_decisions.py                 # 100k past decisions
    .venv/bin/python benchmarks/bench_decisions.py --records 1000000

Three figures:

1. the pure engine: evaluations per second of the default matrix over varied
   inputs (no database; target ≤ 1 ms per evaluation);
2. `services.evaluate` with the database: one query per call, the compiled
   matrix coming from the in-process cache;
3. `services.simulate`: a draft replayed over `--records` DecisionRecords of
   the last 90 days on PostgreSQL (target ≤ 5 s for 100k).

It (re)creates a separate PostgreSQL database (default
`postsale_bench_decisions`; the name must contain "bench", since it is dropped
first) and migrates it.

Measured on the 2-vCPU development container, PostgreSQL local:
engine 530,000 evaluations/s (1.9 µs each, 23 rules); simulate over 100k
records 1.4–1.9 s when the machine was quiet, 3.7–5.2 s while other test
suites ran on both cores (load average 9). `services.evaluate` costs one
query (3–7 ms here, mostly query compilation and planning).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

CLAIM_TYPES = [
    "lost_in_transit",
    "delivered_not_received",
    "damaged",
    "missing_items",
    "wrong_item",
    "personalisation_error",
    "late_for_needed_by",
    "chargeback",
    "payment_review",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="past decisions to simulate over")
    parser.add_argument("--evaluations", type=int, default=1_000_000, help="pure engine evaluations")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_decisions"
        ),
    )
    return parser.parse_args()


def random_inputs(rng: random.Random, count: int):
    from decisions.engine import DecisionInput

    return [
        DecisionInput(
            claim_type=rng.choice(CLAIM_TYPES),
            order_value=Decimal(rng.randrange(500, 60_000)) / 100,
            buyer_risk="flagged" if rng.random() < 0.05 else "normal",
            delivery_confirmed=rng.random() < 0.6,
            signature=rng.random() < 0.15,
            weight_consistent=rng.choice([True, False, None]),
            days_until_needed=rng.choice([None, None, None, rng.randrange(-3, 30)]),
        )
        for _ in range(count)
    ]


def bench_engine(evaluations: int) -> None:
    from decisions.defaults import default_rules
    from decisions.engine import compile_matrix

    class Matrix:
        id, version = 1, 1

    compiled = compile_matrix(Matrix, default_rules("EUR"))
    inputs = random_inputs(random.Random(1), 10_000)
    evaluate = compiled.evaluate
    rounds = max(1, evaluations // len(inputs))
    slowest = 0.0
    started = time.perf_counter()
    for _ in range(rounds):
        round_started = time.perf_counter()
        for item in inputs:
            evaluate(item)
        slowest = max(slowest, (time.perf_counter() - round_started) / len(inputs))
    elapsed = time.perf_counter() - started
    total = rounds * len(inputs)
    print(
        f"engine: {total:,} evaluations in {elapsed:.2f} s = {total / elapsed:,.0f}/s, "
        f"{elapsed / total * 1e6:.2f} µs each (slowest round {slowest * 1e6:.2f} µs each), "
        f"{compiled.rule_count} rules"
    )


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str) -> None:
    # Settings read the database from the environment once, so it is named before anything loads them.
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The laptop profile these figures were measured on (DEBUG is off unless set).
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()


def bench_database(url: str, records: int) -> None:
    recreate_database(url)
    from django.core.management import call_command

    from cases.models import Case, CaseKind, OpenedVia
    from decisions import services
    from decisions.models import DecisionRecord
    from orders.models import Shop

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug="bench", name="Benchmark Linen", currency="EUR")
    matrix = services.active_matrix(shop)

    inputs = random_inputs(random.Random(2), 2_000)
    services.evaluate(shop=shop, inputs=inputs[0])
    started = time.perf_counter()
    for item in inputs:
        services.evaluate(shop=shop, inputs=item)
    elapsed = time.perf_counter() - started
    print(
        f"services.evaluate (1 query, cached matrix): {len(inputs) / elapsed:,.0f}/s, {elapsed / len(inputs) * 1e3:.2f} ms each"
    )

    print(f"loading {records:,} cases with one decision each…", flush=True)
    started = time.perf_counter()
    compiled = services.compiled_for_shop(shop)
    rng = random.Random(3)
    batch = 10_000
    for offset in range(0, records, batch):
        size = min(batch, records - offset)
        facts = random_inputs(rng, size)
        cases = Case.objects.bulk_create(
            Case(
                reference=f"C-B-{offset + index:08d}",
                kind=CaseKind.CLAIM,
                shop=shop,
                opened_via=OpenedVia.API,
                order_value=item.order_value,
                currency="EUR",
            )
            for index, item in enumerate(facts)
        )
        decisions = [compiled.evaluate(item) for item in facts]
        DecisionRecord.objects.bulk_create(
            DecisionRecord(
                case=case,
                shop=shop,
                matrix=matrix,
                matrix_version=matrix.version,
                rule_id=decision.rule_id,
                rule_position=decision.rule_position,
                inputs=item.to_json(),
                action=decision.action,
                refund_percent=decision.refund_percent,
                reason=decision.reason,
                auto_apply=decision.auto_apply,
            )
            for case, item, decision in zip(cases, facts, decisions, strict=True)
        )
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The owner's draft: stop reshipping small "delivered" parcels, ask first instead.
    draft = services.matrix_create_draft(shop=shop)
    draft.rules.filter(claim_type="delivered_not_received", max_value=Decimal("50")).update(
        action="request_info"
    )
    for label, candidate in (
        ("unchanged copy", services.matrix_create_draft(shop=shop)),
        ("changed draft", draft),
    ):
        started = time.perf_counter()
        result = services.simulate(draft=candidate, days=90)
        elapsed = time.perf_counter() - started
        print(
            f"simulate {label}: {result.cases:,} cases in {elapsed:.2f} s, {len(result.changed):,} changed, "
            f"cost {result.cost_before} → {result.cost_after} EUR ({result.cost_difference:+})"
        )


def main():
    args = parse_args()
    # The default rules' reasons are translated text: even the engine's figure needs the settings.
    setup_django(args.database_url)
    bench_engine(args.evaluations)
    bench_database(args.database_url, args.records)


if __name__ == "__main__":
    main()
