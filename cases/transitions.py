"""One way to move a status: the row locked, the move checked against the model's map, the event written.

Cases, returns and carrier claims each keep their allowed moves as a
`TRANSITIONS` map on the model (status -> the statuses it may go to). Every
move goes through `move` below, so every refused move is the same 409 with a
code and a sentence in the reader's language, and every allowed one leaves a
line on the case's timeline.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext as _

from config.errors import Conflict

from .events import case_event
from .models import StatusMachine
from .verbs import SystemReason, Verb


def refused(obj: StatusMachine, to: str) -> Conflict:
    """The error for a move the machine does not allow, naming the thing, where it is and where it cannot go."""
    status_field = type(obj)._meta.get_field("status")
    labels = dict(status_field.choices)
    return Conflict(
        _("%(thing)s %(name)s is %(status)s and cannot move to %(new)s.")
        % {
            "thing": obj.status_noun,
            "name": str(obj),
            "status": str(labels.get(obj.status, obj.status)).lower(),
            "new": str(labels.get(to, to)).lower(),
        },
        code="invalid_transition",
    )


def lock(obj: models.Model) -> models.Model:
    """The row read again under a lock that lasts until the transaction ends: two clicks queue up."""
    return type(obj)._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)


def move(
    obj: StatusMachine,
    to: str,
    *,
    case,
    verb: Verb,
    actor=None,
    reason: str | SystemReason | None = None,
    fields: Iterable[str] = (),
    **data,
) -> str:
    """Move a locked row to `to`, save it with `fields`, and write `verb` on `case`'s timeline.

    Returns the status it came from. A move to where it already is changes nothing.
    """
    old = obj.status
    if old == to:
        return old
    if not obj.can_move_to(to):
        raise refused(obj, to)
    obj.status = to
    obj.save(update_fields=["status", *fields])
    case_event(case, verb, actor=actor, old=old, new=to, reason=reason, **data)
    return old
