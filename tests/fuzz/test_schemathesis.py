"""Schemathesis over /api/schema/: no API answer is a server error, and every answer matches its schema.

The app runs in pytest-django's live server against the suite's database (PostgreSQL in CI),
with a few orders, cases, returns, a refund and a carrier claim for the generated requests to
find, and an API token for the shop's owner (the shop system's integration user for the
tracking events, which only it may post). Schemathesis' CLI runs against it: its examples,
coverage and fuzzing phases on every operation, then the stateful phase along the schema's
links (a claim's answer to its case, a return's to its moves, a resolution's to its refund).

Too slow for `make test` (about three minutes with the test database made): it runs when POSTSALE_FUZZ is set, as `.ci/run`
does. `POSTSALE_FUZZ_SECONDS` gives it more time, `POSTSALE_FUZZ_SEED` replays a run.
"""

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from cases.models import RefundLimit
from claims import services as claims
from tests.factories import (
    NAPKINS,
    TABLECLOTH,
    api_token,
    make_carrier_claim,
    make_claim,
    make_order,
    make_return,
    track,
)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("POSTSALE_FUZZ"), reason="set POSTSALE_FUZZ=1 (CI does)"),
    pytest.mark.django_db(transaction=True),
]

CHECKS = "not_a_server_error,response_schema_conformance"


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("schemathesis")
    return str(found) if found.exists() else shutil.which("schemathesis") or "schemathesis"


@pytest.fixture
def data(shop, carrier, owner, agent):
    """What the generated requests find: the identifiers Schemathesis draws from, most of the time."""
    orders = [
        make_order(shop, lines=[dict(NAPKINS, quantity=4), dict(TABLECLOTH, quantity=1)]) for _ in range(3)
    ]
    for order in orders:
        track(order, "delivered", days_ago=2)
    cases = [
        make_claim(order, type).case
        for order, type in zip(orders, ["damaged", "lost_in_transit", "wrong_item"], strict=True)
    ]
    # A refund an agent gave by hand: pending until someone confirms it was paid out.
    RefundLimit.objects.create(user=agent, amount=Decimal("500.00"))
    claims.claim_resolve(case=cases[0], action="refund", actor=agent, amount=Decimal("20.00"))
    returns = [make_return(order) for order in orders[1:]]
    carrier_claim = make_carrier_claim(shop, actor=owner)
    return {
        "cases": [case.reference for case in cases],
        "returns": [request.rma for request in returns],
        "orders": [order.pk for order in orders],
        "ids": [order.pk for order in orders]
        + list(cases[0].refunds.values_list("pk", flat=True))
        + [carrier_claim.pk],
    }


def _config(data) -> str:
    def values(items):
        return ", ".join(f'"{item}"' if isinstance(item, str) else str(item) for item in items)

    return f"""
headers = {{ Authorization = "Token ${{POSTSALE_FUZZ_TOKEN}}" }}

[dictionaries]
cases = {{ values = [{values(data["cases"])}] }}
returns = {{ values = [{values(data["returns"])}] }}
orders = {{ values = [{values(data["orders"])}] }}
ids = {{ values = [{values(data["ids"])}] }}

[parameters]
"path.reference" = {{ dictionary = "cases", probability = 0.8 }}
"path.rma" = {{ dictionary = "returns", probability = 0.8 }}
"path.id" = {{ dictionary = "ids", probability = 0.8 }}
"body.order" = {{ dictionary = "orders", probability = 0.7 }}

# Only a shop system's integration user posts carrier scans.
[[operations]]
include-path = "/api/v1/tracking-events/"
headers = {{ Authorization = "Token ${{POSTSALE_FUZZ_INTEGRATION_TOKEN}}" }}
"""


def _run(config: Path, url: str, env: dict, *, phases: str, seconds: int) -> subprocess.CompletedProcess:
    command = [
        _schemathesis(),
        "--config-file",
        str(config),
        "run",
        url,
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        "15",
        "--max-time",
        str(seconds),
        # One worker: Hypothesis describing its filters in several threads at once trips a CPython
        # 3.11 bug in ast.parse ("AST constructor recursion depth mismatch"), an error of the tool.
        "--workers",
        "1",
        "--no-color",
    ]
    if os.environ.get("POSTSALE_FUZZ_SEED"):
        command += ["--seed", os.environ["POSTSALE_FUZZ_SEED"]]
    # In the config's directory: Schemathesis keeps a cache of its own where it runs.
    return subprocess.run(
        command, env=env, cwd=config.parent, capture_output=True, text=True, timeout=seconds + 120
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="against PostgreSQL, as production runs")
def test_the_api_answers_as_its_schema_says(live_server, data, owner, integration, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(data))
    seconds = int(os.environ.get("POSTSALE_FUZZ_SECONDS", "100"))
    env = {
        **os.environ,
        "POSTSALE_FUZZ_TOKEN": api_token(owner),
        "POSTSALE_FUZZ_INTEGRATION_TOKEN": api_token(integration),
    }
    url = f"{live_server.url}/api/schema/"

    # Each operation on its own first; then, with what is left of the time, sequences along the
    # schema's links (the coverage phase alone would spend the whole budget).
    single = _run(config, url, env, phases="examples,coverage,fuzzing", seconds=seconds * 6 // 10)
    linked = _run(config, url, env, phases="stateful", seconds=seconds * 4 // 10)

    for run in (single, linked):
        print(run.stdout[-20000:])  # pytest shows it when the test fails
        assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
