"""Two agents on one case in two browsers: each sees the other, and sees them typing."""

import pytest

from config.roles import AGENTS
from tests.factories import make_claim, make_order

from .test_desk_flow import log_in, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_sees_a_colleague_on_the_same_case_and_that_she_is_writing(
    desktop, live_server, shop, carrier
):
    user("anna", AGENTS, shop)
    user("lina", AGENTS, shop)
    case = make_claim(make_order(shop), "damaged").case

    annas = log_in(desktop, live_server, "anna")
    annas.goto(f"{live_server.url}/desk/cases/{case.reference}/")
    linas = log_in(desktop, live_server, "lina")
    linas.goto(f"{live_server.url}/desk/cases/{case.reference}/")

    # Anna's page asks every 10 seconds; Lina's first heartbeat went out when her page loaded.
    annas.wait_for_selector("#presence .presence-other:has-text('lina has this case open')", timeout=25_000)
    linas.fill("#reply-body", "Guten Tag, wir schicken heute Ersatz.")
    linas.press("#reply-body", "Space")
    annas.wait_for_selector(
        "#presence .presence-other.typing:has-text('lina is writing a reply')", timeout=25_000
    )
    assert "anna has this case open" in linas.inner_text("#presence") or linas.wait_for_selector(
        "#presence:has-text('anna')", timeout=25_000
    )
