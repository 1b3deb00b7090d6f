"""Reads shared by the API, the admin and the desk, with the joins that keep query counts fixed."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from config.queries import fetch_shaped, prefetched

from . import tenancy
from .models import Order, OrderLine, Payment, PaymentStatus, Shipment, TrackingEvent


def orders_for_api(*, shop: str | None = None, number: str | None = None) -> QuerySet[Order]:
    # 5 queries for any page: orders (+shop, buyer), lines, payments, shipments (+carrier), events.
    shipments = Shipment.objects.select_related("carrier").prefetch_related(
        Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id"))
    )
    queryset = (
        Order.objects.select_related("shop", "buyer")
        .prefetch_related("lines", "payments", Prefetch("shipments", queryset=shipments))
        .order_by("-placed_at", "-id")
    )
    if shop:
        queryset = queryset.filter(shop__slug=shop)
    if number:
        queryset = queryset.filter(number=number)
    return queryset


def order_by_key(*, pk: int | None = None, shop: str = "", number: str = "", user=None) -> Order | None:
    """An order by its id, or by its shop's slug and number; with the shop and buyer joined and its
    lines (with their products) read in the same round trip, where `order_lines_for` finds them.

    With `user`, only an order of their shops: another shop's is None, like one that does not exist.
    Compiled once per process (`fetch_shaped`): a claim or return names its order on every request.
    """
    ids = tenancy.shop_ids(user) if user is not None else None
    if ids is not None and not ids:
        return None
    shops = None if ids is None else tuple(sorted(ids))
    if pk is not None:
        rows = fetch_shaped("order_by_id", _order_reads, pk=pk, shops=shops)
    else:
        rows = fetch_shaped("order_by_number", _order_reads, shop=shop, number=number, shops=shops)
    if not rows["order"]:
        return None
    order = rows["order"][0]
    prefetched(order, "lines", rows["lines"])
    return order


def _order_reads(*, shops: tuple[int, ...] | None, pk: int | None = None, shop: str = "", number: str = ""):
    by_key = {"pk": pk} if pk is not None else {"shop__slug": shop, "number": number}
    order = Order.objects.filter(**by_key)
    if shops is not None:
        order = order.filter(shop_id__in=shops)
    lines = OrderLine.objects.filter(order__in=order.values("pk")).select_related("product")
    return {"order": order.select_related("shop", "buyer"), "lines": lines}


def order_line_for(order: Order, *, position: int | None = None, sku: str | None = None) -> OrderLine:
    """The order's line named by its position or, when only one line carries it, by its SKU.

    A shop may sell one SKU on two lines (a set at the bundle price next to one
    at full price, two monograms): then the SKU does not say which, and taking
    the first would claim or return the wrong item. The error names the field.
    """
    lines = order.lines.all()  # the prefetched lines, when the caller loaded them (order_lines_for)
    if position is not None:
        line = next((line for line in lines if line.position == position), None)
        if line is None:
            raise ValidationError({"position": [_("This line is not on the order.")]})
        return line
    matches = [line for line in lines if line.sku == sku]
    if not matches:
        raise ValidationError({"sku": [_("This line is not on the order.")]})
    if len(matches) > 1:
        positions = get_text_list([str(line.position) for line in matches], _("and"))
        message = _("SKU %(sku)s is on lines %(positions)s; give the position.")
        raise ValidationError({"sku": [message % {"sku": sku, "positions": positions}]})
    return matches[0]


def order_lines_for(order: Order, refs: Iterable[Mapping], *, path: str = "lines") -> list[OrderLine]:
    """The line each of `refs` names ({"position": 2} or {"sku": "X"}), with one query for them all.

    Raises one ValidationError naming every bad reference by its path: "lines[1].sku".
    """
    prefetch_related_objects([order], Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
    found, errors = [], {}
    for index, ref in enumerate(refs):
        try:
            found.append(order_line_for(order, position=ref.get("position"), sku=ref.get("sku")))
        except ValidationError as exc:
            errors.update(
                {f"{path}[{index}].{name}": messages for name, messages in exc.message_dict.items()}
            )
    if errors:
        raise ValidationError(errors)
    return found


def orders_fully_cleared(order_ids: Iterable[int]) -> set[int]:
    """Those of the orders that have payments and whose every payment is paid and cleared.

    The same test as the evidence's "payment cleared": a cheque is paid the day it is
    posted and cleared the day the bank credits it.
    """
    order_ids = set(order_ids)
    if not order_ids:
        return set()
    waiting = set(
        Payment.objects.filter(order_id__in=order_ids)
        .exclude(status=PaymentStatus.PAID, cleared_at__isnull=False)
        .values_list("order_id", flat=True)
    )
    with_payment = set(Payment.objects.filter(order_id__in=order_ids).values_list("order_id", flat=True))
    return with_payment - waiting
