"""May this be returned? The facts (errors) and the policy (exceptions an agent may wave through).

Errors make a request impossible: a line not on the order, more than is left to
return, a cancelled order. Exceptions are the shop's own policy (window,
non-returnable goods, exchanges, pickup): the portal refuses them, an agent may
approve them as goodwill.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine

from .models import Resolution, ReturnLine, ReturnMethod, ReturnPolicy, ReturnStatus


@dataclass(frozen=True)
class LineIn:
    order_line: OrderLine
    quantity: int
    reason: str


# Why a request is outside the policy, by the code each exception carries; the
# English message beside it is for the API, people read these.
EXCEPTION_LABELS = {
    "personalised": _("made to the buyer's wishes"),
    "not_returnable": _("not returnable"),
    "window_passed": _("the return window has passed"),
    "no_exchanges": _("the shop does not exchange goods"),
    "pickup_below_threshold": _("pickup only for heavier parcels"),
}


@dataclass
class Eligibility:
    errors: dict[str, list[str]] = field(default_factory=dict)
    # [{"field": ..., "code": ..., "message": ...}]
    exceptions: list[dict] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def exception(self, path: str, code: str, message: str) -> None:
        self.exceptions.append({"field": path, "code": code, "message": message})

    @property
    def within_policy(self) -> bool:
        return not self.errors and not self.exceptions


# Returns that gave the goods back to the buyer's quota: expired, or refused before anything
# arrived. A keep-the-item refund counts as returned although nothing was received.
VOID = Q(expired_at__isnull=False) | Q(
    received_at__isnull=True, keep_item=False, status__in=[ReturnStatus.REJECTED, ReturnStatus.CLOSED]
)


def delivered_on(order: Order) -> date | None:
    """The day the window starts: the delivery of the last parcel, in the shop's time zone.

    With goods in several parcels the withdrawal period runs from the last one
    (Directive 2011/83/EU, art. 9(2)(b)). Not yet delivered: the window has not
    started, and the buyer may withdraw already.
    """
    shipments = list(order.shipments.all())
    if not shipments or any(s.delivered_at is None for s in shipments):
        return None
    last = max(s.delivered_at for s in shipments)
    return timezone.localtime(last, _shop_zone(order)).date()


def _shop_zone(order: Order):
    try:
        return zoneinfo.ZoneInfo(order.shop.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def window_ends_on(order: Order, window_days: int) -> date | None:
    delivered = delivered_on(order)
    return delivered + timedelta(days=window_days) if delivered else None


def already_returned(order_lines) -> dict[int, int]:
    """Units per order line that are on their way back or came back already."""
    counted: dict[int, int] = defaultdict(int)
    lines = (
        ReturnLine.objects.filter(order_line__in=order_lines)
        .exclude(request__in=_void_requests())
        .values_list("order_line_id", "quantity", "received_quantity", "request__received_at")
    )
    for order_line_id, quantity, received, received_at in lines:
        # Once the parcel was opened, what arrived is what came back; before, what was announced.
        counted[order_line_id] += received if received_at else quantity
    return counted


def _void_requests():
    from .models import ReturnRequest

    return ReturnRequest.objects.filter(VOID).values("pk")


def non_returnable_reason(order_line: OrderLine) -> str:
    """Why a line cannot be returned under the policy, or "" (§ 312g BGB: goods made to the buyer's wishes)."""
    product = order_line.product
    if order_line.personalisation or (product and product.personalisable):
        return "personalised"
    if product and not product.returnable:
        return "not_returnable"
    return ""


def check(
    *,
    order: Order,
    lines: list[LineIn],
    policy: ReturnPolicy,
    method: str = ReturnMethod.DROP_OFF,
    resolution: str = Resolution.REFUND,
    today: date | None = None,
) -> Eligibility:
    result = Eligibility()
    today = today or timezone.localdate(timezone=_shop_zone(order))
    if order.cancelled_at:
        result.error("order", "This order was cancelled; there is nothing to return.")
    if not lines:
        result.error("lines", "Choose at least one item to return.")
    returned = already_returned([line.order_line for line in lines])
    seen = set()
    for index, line in enumerate(lines):
        path = f"lines[{index}]"
        order_line = line.order_line
        if order_line.order_id != order.pk:
            result.error(path, "This item is not on the order.")
            continue
        if order_line.pk in seen:
            result.error(path, "This item is listed twice.")
            continue
        seen.add(order_line.pk)
        left = order_line.quantity - returned.get(order_line.pk, 0)
        if line.quantity < 1 or line.quantity > left:
            result.error(
                f"{path}.quantity",
                f"At most {left} of {order_line.sku} can still be returned."
                if left
                else f"{order_line.sku} was returned already.",
            )
        reason = non_returnable_reason(order_line)
        if reason == "personalised":
            result.exception(f"{path}.sku", reason, f"{order_line.sku} was made to the buyer's wishes.")
        elif reason:
            result.exception(f"{path}.sku", reason, f"{order_line.sku} cannot be returned.")
    ends = window_ends_on(order, policy.window_days)
    if ends and today > ends:
        result.exception(
            "order",
            "window_passed",
            f"The {policy.window_days}-day return window ended on {ends.isoformat()}.",
        )
    if resolution == Resolution.EXCHANGE and not policy.exchanges_allowed:
        result.exception("resolution", "no_exchanges", "This shop does not exchange goods.")
    if method == ReturnMethod.PICKUP and parcel_weight_g(lines) <= policy.pickup_weight_threshold_g:
        result.exception(
            "method",
            "pickup_below_threshold",
            f"Pickup is offered for parcels above {policy.pickup_weight_threshold_g} g.",
        )
    return result


def parcel_weight_g(lines: list[LineIn]) -> int:
    return sum(line.order_line.unit_weight_g * line.quantity for line in lines)


def pickup_offered(policy: ReturnPolicy, lines: list[LineIn]) -> bool:
    return parcel_weight_g(lines) > policy.pickup_weight_threshold_g


def order_returnable_lines(order: Order, policy: ReturnPolicy, *, today: date | None = None) -> list[dict]:
    """What the buyer may still send back, line by line (for the portal's return form)."""
    today = today or timezone.localdate(timezone=_shop_zone(order))
    order_lines = list(order.lines.select_related("product"))
    returned = already_returned(order_lines)
    ends = window_ends_on(order, policy.window_days)
    window_open = not order.cancelled_at and (ends is None or today <= ends)
    rows = []
    for order_line in order_lines:
        left = max(order_line.quantity - returned.get(order_line.pk, 0), 0)
        reason = non_returnable_reason(order_line)
        rows.append(
            {
                "order_line": order_line,
                "returnable_quantity": left if window_open and not reason else 0,
                "already_returned": returned.get(order_line.pk, 0),
                "non_returnable": reason,
                "window_ends_on": ends,
            }
        )
    return rows
