"""How long to wait before trying an outside service again: the e-mail outbox and outbound calls share it."""

from __future__ import annotations

import random


def backoff_seconds(attempts: int, *, first: int = 30, cap: int = 3600) -> int:
    """`first`, twice that, four times, … capped at `cap`, plus up to a quarter more at random, so a
    recovering server is not hit by every queued row in the same second."""
    base = min(first * 2 ** max(attempts - 1, 0), cap)
    return base + random.randint(0, base // 4)
