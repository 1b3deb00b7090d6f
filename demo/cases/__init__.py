"""Demo cases: the demo's stories as open cases, so the desk has work on the first visit,
and three months of settled ones, so the dashboard has costs and resolution times.

Everything goes through the real services (claims, returns, the automatic
sweeps), so the demo shows decisions, e-mails and timelines as they really
come about. Safe to run again: a story whose case exists is skipped, and a
shop's history is settled once.
"""

from __future__ import annotations

from .open_cases import open_story_cases
from .replay import seed_history
from .shop_setup import measure_sla, setup_refund_limits, setup_return_addresses, setup_sla

__all__ = ["seed_cases"]


def seed_cases() -> int:
    """Open the demo cases that are not there yet, settle the history; returns how many cases that made."""
    setup_refund_limits()
    setup_return_addresses()
    setup_sla()
    made = open_story_cases() + seed_history()
    measure_sla()
    return made
