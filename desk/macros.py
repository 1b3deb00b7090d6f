"""Macros: a canned reply and what the agent does with it every time, in one click and all or nothing.

The reply goes out as `agent_reply` sends any reply; then the macro's actions run
through the same services an agent's clicks use (each writes its timeline event):
status, assignee, tags, a private note, a playbook step. If one is refused (a
status the case cannot take, a step the claim's playbook has not), nothing
happens, the reply included.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import services as cases
from cases.tags import cases_tag
from claims import services as claims
from claims.playbooks import playbook_for
from messaging.models import CannedReply, MacroAssign
from messaging.services import agent_reply


def macro_actions(canned: CannedReply | None) -> list[str]:
    """What the macro does besides the reply, in words for the agent who picks it."""
    if canned is None:
        return []
    said = []
    if canned.set_status:
        said.append(_("sets the status to %(status)s") % {"status": canned.get_set_status_display()})
    if canned.assign == MacroAssign.ME:
        said.append(_("assigns the case to you"))
    elif canned.assign == MacroAssign.NOBODY:
        said.append(_("puts the case back in the queue"))
    for tag in _tags(canned):
        said.append(_("adds the tag %(tag)s") % {"tag": tag})
    if canned.add_note.strip():
        said.append(_("adds a private note"))
    if canned.playbook_step == "photos":
        said.append(_("asks the buyer for photos, with the upload link"))
    elif canned.playbook_step:
        said.append(_("ticks the playbook step %(step)s") % {"step": canned.playbook_step})
    return said


def _tags(canned: CannedReply) -> list[str]:
    return [tag.strip() for tag in canned.add_tags.split(",") if tag.strip()]


@transaction.atomic
def macro_apply(*, case, agent, body: str, canned: CannedReply | None, wait_for_buyer: bool = False):
    """Send the reply and do the macro's actions; ValidationError (and nothing done) if any is refused."""
    message = agent_reply(
        case=case, agent=agent, body=body, canned_reply=canned, wait_for_buyer=wait_for_buyer
    )
    if canned is None:
        return message
    case.refresh_from_db()
    if canned.playbook_step:
        claim = getattr(case, "claim", None)
        if claim is None or canned.playbook_step not in {step.key for step in playbook_for(claim.type)}:
            raise ValidationError(
                {"playbook_step": [_("This macro's step %(step)s is not in this case's playbook.") % {
                    "step": canned.playbook_step}]}
            )  # fmt: skip
        claims.playbook_step_done(claim=claim, key=canned.playbook_step, actor=agent)
    for tag in _tags(canned):
        cases_tag(cases=[case], name=tag, actor=agent)
    if canned.add_note.strip():
        cases.case_note_add(case=case, author=agent, body=canned.add_note)
    if canned.assign:
        cases.case_assign(case=case, assignee=agent if canned.assign == MacroAssign.ME else None, actor=agent)
    if canned.set_status and canned.set_status != case.status:
        case.refresh_from_db()
        if not case.can_move_to(canned.set_status):
            raise ValidationError(
                {
                    "set_status": [
                        _("This case cannot be set to %(status)s.")
                        % {"status": canned.get_set_status_display()}
                    ]
                }
            )
        cases.case_move(case=case, to=canned.set_status, actor=agent)
    return message
