"""Hooks through which the kernel lets the layers above it act, without knowing them.

Each is sent inside the transaction of the change, so what a receiver writes
(an e-mail in the outbox, a refused close) commits or rolls back with it.
"""

import django.dispatch

# Before a case closes: a receiver that must keep it open raises `config.errors.Conflict`.
# Arguments: case.
case_closing = django.dispatch.Signal()

# A case was closed. Arguments: case, old_status, actor.
case_closed = django.dispatch.Signal()

# A refund above the agent's limit waits for an owner.
# Arguments: case, action, amount, limit, reason (what the agent wrote).
approval_requested = django.dispatch.Signal()

# What the layers above sent a buyer in goods instead of money (an exchange), valued at list price,
# so that refund limits count it beside the refunds. Arguments, each a filter when not None:
# order_id (sent for this order), user and since (sent by this user since then), shop.
# Each receiver returns a Decimal: the sum of what it sent that matches every filter given.
goods_given = django.dispatch.Signal()

# A payment provider accepted a refund that was sent to it (`cases.refunds.refund_provider_update`);
# sent once per refund. The layers that told the buyer nothing yet tell them now. Arguments: refund.
refund_accepted = django.dispatch.Signal()

# The buyer's e-mail on a case came with photos (image attachments the inbox kept).
# Arguments: case, photos (how many). The claim's playbook counts them as the photos it asks for.
buyer_sent_photos = django.dispatch.Signal()

# An agent merged `source` into `target` (same shop, same buyer). The layers above move what they
# keep per case (the e-mails) to the target, so the surviving case holds the whole conversation.
# Arguments: source, target.
case_merged = django.dispatch.Signal()

# The words a layer above keeps for a case (a claim's statement, the e-mails), gathered into the
# case's search body (`cases.search.case_reindex`). Arguments: case. Each receiver returns a list
# of texts.
case_search_texts = django.dispatch.Signal()
