"""Queue e-mails: one outbox row per e-mail, its send enqueued after the caller's transaction commits.

Callers queue an e-mail inside the transaction of the change it reports
(`notify_buyer`, `notify_owners`); the row is sent after commit by
`messaging.tasks.send_message`, and swept up by `outbox_sweep` if that task
never ran.
"""

from __future__ import annotations

import secrets
from email.utils import make_msgid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from cases.models import Case
from config.publish import publish_after_commit
from orders import tenancy
from orders.models import Role
from orders.names import clean_name

from ..models import (
    Audience,
    BuyerEvent,
    OutboundAttachment,
    OutboundMessage,
    OwnerEvent,
    OwnerNotificationSetting,
)


def reply_domain() -> str:
    return settings.POSTSALE_REPLY_DOMAIN


def _enqueue_after_commit(message_id: int) -> None:
    # The tasks call these services, so the task is looked up when used, not when this module loads.
    from ..tasks import send_message

    publish_after_commit(send_message, message_id)


def _new_message(
    *,
    case: Case,
    event: str,
    sequence: int | None,
    audience: str,
    to_email: str,
    to_name: str = "",
    recipient_user=None,
    author=None,
    context: dict | None,
    attachments: list[tuple[str, bytes, str]] | None,
    new_case: bool = False,
) -> OutboundMessage:
    if new_case:
        # The case was opened in this very transaction: nobody else can have written to it yet.
        message = _create_message(
            case=case,
            event=event,
            sequence=1,
            audience=audience,
            to_email=to_email,
            to_name=to_name,
            recipient_user=recipient_user,
            author=author,
            context=context,
            attachments=attachments,
        )
        _enqueue_after_commit(message.pk)
        return message
    fixed = sequence is not None
    for _attempt in range(5):
        if not fixed:
            last = OutboundMessage.objects.filter(case=case, event=event).aggregate(m=Max("sequence"))["m"]
            sequence = (last or 0) + 1
        try:
            # A savepoint, so a lost race on the sequence leaves the caller's transaction usable.
            with transaction.atomic():
                message = _create_message(
                    case=case,
                    event=event,
                    sequence=sequence,
                    audience=audience,
                    to_email=to_email,
                    to_name=to_name,
                    recipient_user=recipient_user,
                    author=author,
                    context=context,
                    attachments=attachments,
                )
        except IntegrityError:
            if fixed:
                # The caller ran before with this sequence: the e-mail is already on its way.
                return OutboundMessage.objects.get(case=case, event=event, sequence=sequence)
            continue
        _enqueue_after_commit(message.pk)
        return message
    raise RuntimeError(f"Could not allocate a sequence for {event} on case {case.pk}")


def _create_message(
    *, case, event, sequence, audience, to_email, to_name, recipient_user, author, context, attachments
):
    message = OutboundMessage.objects.create(
        case=case,
        event=event,
        sequence=sequence,
        audience=audience,
        to_email=to_email,
        to_name=clean_name(to_name),
        recipient_user=recipient_user,
        author=author if getattr(author, "is_authenticated", False) else None,
        context=context or {},
        message_id=make_msgid(domain=reply_domain()),
        reply_token=secrets.token_hex(12),
    )
    for filename, content, mimetype in attachments or []:
        OutboundAttachment.objects.create(
            message=message, filename=filename, content=content, mimetype=mimetype
        )
    return message


def notify_buyer(
    *,
    case: Case,
    event: BuyerEvent,
    context: dict | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    sequence: int | None = None,
    author=None,
    new_case: bool = False,
) -> OutboundMessage | None:
    """Queue an e-mail to the case's buyer, sent after the caller's transaction commits.

    Call it inside the transaction of the change it reports: if that rolls back,
    no e-mail goes out. `context` must be JSON (strings, numbers); the worker
    adds shop, case, order, parcel and refund details at send time. Returns None
    when there is nobody to write to. `new_case`: the case was opened in the caller's
    transaction, so this is its first e-mail of the kind (no sequence to look up).
    """
    buyer = case.buyer
    if buyer is None and case.order_id:
        buyer = case.order.buyer
    if buyer is None or not buyer.email:
        return None
    return _new_message(
        case=case,
        event=event,
        sequence=sequence,
        audience=Audience.BUYER,
        to_email=buyer.email,
        to_name=buyer.name,
        author=author,
        context=context,
        attachments=attachments,
        new_case=new_case,
    )


def owners_to_notify(event: OwnerEvent, *, shop):
    """The owners of `shop` who want to hear of `event`: an owner hears only of their own shops."""
    switched_off = OwnerNotificationSetting.objects.filter(event=event, enabled=False).values("user_id")
    return (
        tenancy.members(shop, roles=[Role.OWNER])
        .exclude(email="")
        .exclude(pk__in=switched_off)
        .distinct()
        .order_by("pk")
    )


def notify_owners(*, case: Case, event: OwnerEvent, context: dict | None = None) -> list[OutboundMessage]:
    """Queue one notification per owner of the case's shop who has not switched this event off."""
    return [
        _new_message(
            case=case,
            event=event,
            sequence=None,
            audience=Audience.OWNER,
            to_email=user.email,
            to_name=user.get_full_name() or user.get_username(),
            recipient_user=user,
            context=context,
            attachments=None,
        )
        for user in owners_to_notify(event, shop=case.shop_id)
    ]


def notify_assignee_or_owners(
    *, case: Case, event: OwnerEvent, context: dict | None = None
) -> list[OutboundMessage]:
    """Queue a notification to the agent the case is assigned to, or to the shop's owners while nobody is."""
    assignee = case.assignee
    if assignee is None or not assignee.email:
        return notify_owners(case=case, event=event, context=context)
    return [
        _new_message(
            case=case,
            event=event,
            sequence=None,
            audience=Audience.OWNER,
            to_email=assignee.email,
            to_name=assignee.get_full_name() or assignee.get_username(),
            recipient_user=assignee,
            context=context,
            attachments=None,
        )
    ]
