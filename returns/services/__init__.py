"""Returns: request, approve, label, receive, inspect, refund or exchange, close, expire; one module each.

Every step runs in one transaction, locks the return row before it looks at
the status (`machine.lock_return`), writes its audit event on the case, and
queues the buyer's e-mail in the same transaction.
"""

# The package's public face: the desk, the portal, integrations, the demo and the tests import from here.
from ..eligibility import LineIn
from .claim_return import return_for_claim
from .close import return_close
from .exchange import return_exchanges_announce_shipped
from .expiry import return_expire_stale
from .inspect import InspectionResult, InspectLine, return_inspect
from .label import return_label_issue
from .policy import policy_for
from .receive import return_mark_in_transit, return_receive
from .refund import RefundBreakdown, RefundLine, refund_compute, return_refund_approve
from .request import return_approve, return_reject, return_request

__all__ = [
    "InspectLine",
    "InspectionResult",
    "LineIn",
    "RefundBreakdown",
    "RefundLine",
    "policy_for",
    "refund_compute",
    "return_approve",
    "return_close",
    "return_exchanges_announce_shipped",
    "return_for_claim",
    "return_expire_stale",
    "return_inspect",
    "return_label_issue",
    "return_mark_in_transit",
    "return_receive",
    "return_refund_approve",
    "return_reject",
    "return_request",
]
