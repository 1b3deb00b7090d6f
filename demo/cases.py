"""Demo cases: the seeds' stories as open cases, so the desk has work on the first visit,
and three months of settled ones, so the dashboard has costs and resolution times.

Everything goes through the real services (claims, returns, the automatic
sweeps), so the demo shows decisions, e-mails and timelines as they really
come about. Safe to run again: a story whose case exists is skipped, and a
shop's history is settled once.
"""

from __future__ import annotations

import bisect
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.choices import ClaimType
from cases.models import Case, CaseEvent, CaseStatus, OpenedVia, Refund, RefundLimit, RefundStatus
from cases.refunds import refund_confirm
from cases.services import case_assign, case_mark_responded, case_move
from claims import automatic
from claims import services as claims
from claims.models import CarrierClaim, CarrierClaimStatus, Claim, PlaybookStep, Resolution
from config.roles import AGENTS
from decisions.defaults import shipping_estimate
from decisions.models import DecisionRecord
from demo.orders import DE_SHOP, SE_SHOP
from messaging.models import OutboundMessage
from orders.models import Order, PaymentStatus, RiskFlag, Shipment, Shop, TrackingStatus
from returns import services as returns
from returns.eligibility import LineIn
from returns.models import ReturnPolicy, ReturnRequest, ReturnStatus

# (shop, buyer name, claim type, statement, affected lines as (position, quantity))
BUYER_CLAIMS = [
    (
        DE_SHOP,
        "Sabine Kröger",
        ClaimType.MISSING_ITEMS,
        "Guten Tag, ich habe vier Dutzend Servietten bestellt, im Paket waren aber nur drei Dutzend. "
        "Bitte schicken Sie mir das fehlende Dutzend.",
        [(1, 1)],
    ),
    (
        DE_SHOP,
        "Katrin Vogel",
        ClaimType.PERSONALISATION_ERROR,
        "Die Initialen auf den Taschentüchern sind falsch! Das sollte V M K in Großbuchstaben sein.",
        [],
    ),
    (
        SE_SHOP,
        "Lena Holm",
        ClaimType.DELIVERED_NOT_RECEIVED,
        "Hej! Enligt spårningen är paketet levererat, men jag har inte fått något. Kan ni hjälpa mig?",
        [],
    ),
    (
        SE_SHOP,
        "Magnus Lindqvist",
        ClaimType.LOST_IN_TRANSIT,
        "Mitt paket verkar ha försvunnit på vägen. Vad händer nu?",
        [],
    ),
    (
        DE_SHOP,
        "Frank Lehmann",
        ClaimType.DAMAGED,
        "Die Bettwäsche kam mit einem Riss an, der Karton war nass.",
        [(1, 1)],
    ),
]


def _order_of(shop: str, buyer_name: str) -> Order | None:
    return (
        Order.objects.filter(shop__slug=shop, buyer__name=buyer_name)
        .select_related("shop", "buyer")
        .order_by("placed_at")
        .first()
    )


def _has_claim(order: Order, claim_type: str) -> bool:
    return Claim.objects.filter(case__order=order, type=claim_type).exists()


# What the demo agents may refund on one case without an owner (seed 001 #8): a
# small shop lets its support settle the everyday cases and keeps the big ones.
DEMO_REFUND_LIMITS = {DE_SHOP: Decimal("250.00"), SE_SHOP: Decimal("2500.00")}


def setup_refund_limits() -> None:
    from django.contrib.auth.models import Group


    agents = Group.objects.get(name=AGENTS)
    for shop in Shop.objects.filter(slug__in=DEMO_REFUND_LIMITS):
        RefundLimit.objects.get_or_create(
            group=agents, shop=shop, user=None, defaults={"amount": DEMO_REFUND_LIMITS[shop.slug]}
        )


def setup_return_addresses() -> None:
    """The demo shops' return addresses (orders/demo.py), so every demo label says where to send it."""
    from demo.orders import RETURN_POLICIES

    for shop in Shop.objects.filter(slug__in=RETURN_POLICIES):
        policy, _ = ReturnPolicy.objects.get_or_create(shop=shop)
        if not policy.has_return_address:
            for field, value in RETURN_POLICIES[shop.slug].items():
                setattr(policy, field, value)
            policy.save()


def seed_cases() -> int:
    """Open the demo cases that are not there yet, settle the history; returns how many cases that made."""
    setup_refund_limits()
    setup_return_addresses()
    opened = 0
    for shop, name, claim_type, statement, positions in BUYER_CLAIMS:
        order = _order_of(shop, name)
        if order is None or _has_claim(order, claim_type):
            continue
        lines = [
            claims.LineIn(order_line=order.lines.get(position=position), quantity=quantity)
            for position, quantity in positions
        ]
        with transaction.atomic():
            claims.claim_open(
                order=order, type=claim_type, lines=lines, statement=statement, opened_via=OpenedVia.PORTAL
            )
        opened += 1
    opened += automatic.open_stalled_claims()
    opened += automatic.open_payment_reviews()
    opened += _seed_chargeback()
    opened += _seed_returns()
    opened += seed_history()
    return opened


def _seed_chargeback() -> int:
    """A card payment disputed as "not received" although the parcel was signed for (seed 003 #3)."""
    order = (
        Order.objects.filter(
            shop__slug=DE_SHOP, shipments__status=TrackingStatus.DELIVERED, payments__method="card"
        )
        .exclude(cases__claim__isnull=False)
        .select_related("shop", "buyer")
        .order_by("-total")
        .first()
    )
    if order is None or Claim.objects.filter(case__shop__slug=DE_SHOP, type=ClaimType.CHARGEBACK).exists():
        return 0
    payment = order.payments.first()
    claims.claim_open(
        order=order,
        type=ClaimType.CHARGEBACK,
        opened_via=OpenedVia.API,
        dispute=claims.DisputeIn(
            provider="stripe",
            reference=f"dp_demo_{order.number}",
            reason="product_not_received",
            amount=payment.amount if payment else order.total,
            respond_by=timezone.now() + timedelta(days=9),
        ),
    )
    return 1


def _seed_returns() -> int:
    """One return in each shop, waiting for the parcel to come back."""

    opened = 0
    for shop in (DE_SHOP, SE_SHOP):
        if ReturnRequest.objects.filter(order__shop__slug=shop).exists():
            continue
        since = timezone.now() - timedelta(days=10)
        candidates = (
            Order.objects.filter(
                shop__slug=shop,
                shipments__status=TrackingStatus.DELIVERED,
                shipments__delivered_at__gte=since,
                cases__isnull=True,
            )
            .select_related("shop", "buyer")
            .order_by("-placed_at")
        )
        for order in candidates[:20]:
            line = next(
                (
                    line
                    for line in order.lines.select_related("product")
                    if not line.personalisation and (line.product is None or line.product.returnable)
                ),
                None,
            )
            if line is None or line.unit_price <= Decimal("0"):
                continue
            with transaction.atomic():
                returns.return_request(
                    order=order,
                    lines=[LineIn(order_line=line, quantity=1, reason="too_small")],
                    method="drop_off",
                    resolution="refund",
                    opened_via=OpenedVia.PORTAL,
                )
            opened += 1
            break
    return opened


# --- history: the last three months, settled ---------------------------------------
#
# Without it a fresh demo has nothing resolved, so the dashboard cannot show what
# claims and returns cost per carrier and product, or how long they take. These
# stories are played through the same services as the open cases above, by the
# demo agent (the owner where a refund is above the agent's limit), on parcels
# the demo delivered; afterwards every timestamp of the case is moved back to the
# day the story stands for (`_Clock`), so months and resolution times vary.

RETURN = "return"


@dataclass(frozen=True)
class Settled:
    """One case of the last three months, from the buyer's first message to its close."""

    days_ago: int  # when the buyer got in touch
    kind: str  # a claim type, or RETURN
    # A resolution action, or "found" (the buyer found the parcel after all); for a
    # return, the condition it came back in.
    outcome: str
    hours: int  # from the first message to the outcome
    carrier: str = ""  # a parcel of this carrier, if one is left
    reason: str = ""  # the agent's words for the outcome, in the shop's language
    percent: int | None = None  # of a partial refund
    ask_first: bool = False  # ask household, neighbours, post office first (seed 000)
    trace: bool = False  # file a claim with the carrier and wait for it before the outcome
    # What the carrier paid, in % of the claim; 0: it refused; None: no claim, or no answer yet.
    carrier_pays: int | None = None
    return_reason: str = "changed_mind"


T = ClaimType
# fmt: off
HISTORY = {
    DE_SHOP: [
        Settled(86, T.DELIVERED_NOT_RECEIVED, "reship", 52, "dhl", ask_first=True,
                reason="Nicht beim Nachbarn, nicht in der Filiale: Ersatz geht raus."),
        Settled(81, T.DAMAGED, "partial_refund", 20, "hermes", percent=30, carrier_pays=100,
                reason="Kleiner Riss, die Ware darf bleiben: 30 % zurück."),
        Settled(74, T.DELIVERED_NOT_RECEIVED, "refund", 120, "dpd", trace=True, carrier_pays=100,
                reason="DPD findet das Paket nicht: Erstattung."),
        Settled(69, T.MISSING_ITEMS, "reship", 6, "dhl", reason="Der fehlende Artikel wird nachgeschickt."),
        Settled(63, T.WRONG_ITEM, "reship_with_return_label", 26, "dpd",
                reason="Falscher Artikel: der richtige geht raus, mit Rücksendeetikett."),
        Settled(57, T.DAMAGED, "refund", 30, "ups", carrier_pays=100,
                reason="Wasserschaden laut Fotos, nicht mehr verkäuflich."),
        Settled(50, T.DELIVERED_NOT_RECEIVED, "reship", 96, "hermes", trace=True, carrier_pays=0,
                reason="Hermes lehnt ab, wir schicken trotzdem neu."),
        Settled(44, T.DAMAGED, "partial_refund", 9, "dhl", percent=20,
                reason="Verfärbung an einer Serviette: 20 % Nachlass."),
        Settled(37, T.DELIVERED_NOT_RECEIVED, "found", 70, "dhl", ask_first=True,
                reason="Das Paket lag bei den Nachbarn."),
        Settled(29, T.DELIVERED_NOT_RECEIVED, "refund", 160, "dpd", trace=True, carrier_pays=100,
                reason="Nachforschung ohne Ergebnis: Erstattung."),
        Settled(22, T.DAMAGED, "refund", 4, "hermes", reason="Karton nass, Ware fleckig: Erstattung."),
        Settled(15, T.WRONG_ITEM, "reship", 28, "dhl", reason="Falsche Farbe verschickt, die richtige geht raus."),
        Settled(8, T.DELIVERED_NOT_RECEIVED, "refund", 48, "ups", trace=True,
                reason="UPS prüft noch, die Erstattung geht schon jetzt raus."),
        Settled(12, RETURN, "as_new", 100, return_reason="too_small"),
        Settled(10, RETURN, "used", 110, return_reason="not_as_described"),
        Settled(7, RETURN, "as_new", 90, return_reason="changed_mind"),
    ],
    SE_SHOP: [
        Settled(88, T.DELIVERED_NOT_RECEIVED, "refund", 140, "postnord", trace=True, carrier_pays=100,
                reason="PostNord hittar inte paketet: återbetalning."),
        Settled(80, T.DAMAGED, "partial_refund", 18, "postnord", percent=25, carrier_pays=100,
                reason="Skadad kartong, duken har en fläck: 25 % tillbaka."),
        Settled(71, T.DELIVERED_NOT_RECEIVED, "reship", 60, "bring", ask_first=True,
                reason="Inte hos grannar eller ombud: ersättningsleverans."),
        Settled(66, T.MISSING_ITEMS, "reship", 10, "postnord", reason="Den saknade varan skickas i efterhand."),
        Settled(58, T.DAMAGED, "refund", 22, "dhl", carrier_pays=100,
                reason="Trasig vid leverans enligt bilderna: återbetalning."),
        Settled(52, T.DELIVERED_NOT_RECEIVED, "reship", 200, "postnord", trace=True, carrier_pays=60,
                reason="Eftersökningen klar: ett nytt paket skickas."),
        Settled(43, T.WRONG_ITEM, "reship_with_return_label", 30, "bring",
                reason="Fel vara: rätt vara skickas med returfraktsedel."),
        Settled(35, T.DAMAGED, "partial_refund", 12, "ups", percent=40,
                reason="Mindre skada, kunden behåller varan: 40 % tillbaka."),
        Settled(27, T.DELIVERED_NOT_RECEIVED, "refund", 100, "postnord", trace=True, carrier_pays=0,
                reason="PostNord avslår, vi återbetalar ändå."),
        Settled(19, T.DAMAGED, "refund", 5, "postnord", carrier_pays=100,
                reason="Fuktskadad vid leverans: återbetalning."),
        Settled(11, T.DELIVERED_NOT_RECEIVED, "reship", 40, "bring", ask_first=True,
                reason="Inte hittat hos grannar: ersättningsleverans."),
        Settled(12, RETURN, "as_new", 95, return_reason="too_large"),
        Settled(9, RETURN, "as_new", 120, return_reason="changed_mind"),
        Settled(6, RETURN, "opened", 80, return_reason="not_as_described"),
    ],
}
# fmt: on
# Why the agent takes the first step, in the shop's language.
ASK_FIRST = {
    DE_SHOP: "Erst Haushalt, Nachbarn und Filiale fragen lassen.",
    SE_SHOP: "Be kunden fråga hushåll, grannar och ombud först.",
}
TRACE = {
    DE_SHOP: "Nachforschungsauftrag beim Versanddienstleister.",
    SE_SHOP: "Eftersökning hos transportören.",
}

# What buyers write, in their language.
STATEMENTS = {
    T.DELIVERED_NOT_RECEIVED: {
        "de": "Laut Sendungsverfolgung ist das Paket zugestellt, bei mir ist aber nichts angekommen.",
        "sv": "Enligt spårningen är paketet levererat, men jag har inte fått något.",
        "en": "The tracking says delivered, but no parcel has arrived here.",
    },
    T.DAMAGED: {
        "de": "Der Karton war eingedrückt und die Ware ist beschädigt. Fotos kann ich schicken.",
        "sv": "Kartongen var intryckt och varan är skadad. Jag kan skicka bilder.",
        "en": "The box was crushed and the item inside is damaged. I can send photos.",
    },
    T.MISSING_ITEMS: {
        "de": "Im Paket fehlt ein Artikel.",
        "sv": "En vara saknas i paketet.",
        "en": "One item is missing from the parcel.",
    },
    T.WRONG_ITEM: {
        "de": "Ich habe einen anderen Artikel bekommen, als ich bestellt habe.",
        "sv": "Jag har fått en annan vara än den jag beställde.",
        "en": "I received a different item from the one I ordered.",
    },
}
# Claims about particular goods: the buyer names the first line of the order.
ABOUT_A_LINE = {T.DAMAGED, T.MISSING_ITEMS, T.WRONG_ITEM}
HISTORY_KEY = "demo-history"


def seed_history() -> int:
    """Settle the stories of HISTORY in each shop that has none yet; returns how many cases that made."""
    from django.contrib.auth.models import User


    users = {user.username: user for user in User.objects.filter(username__in=["agent", "owner"])}
    if len(users) < 2:
        return 0
    made = 0
    for shop in Shop.objects.filter(slug__in=HISTORY).order_by("slug"):
        # The refunds of a shop's history carry this key: one there means the history is.
        if Refund.objects.filter(idempotency_key__startswith=f"{HISTORY_KEY}-{shop.slug}-").exists():
            continue
        with transaction.atomic():
            made += _seed_shop_history(shop, agent=users["agent"], owner=users["owner"])
    return made


def _seed_shop_history(shop, *, agent, owner) -> int:
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(shop.time_zone)
    parcels = list(
        Shipment.objects.filter(
            order__shop=shop,
            status=TrackingStatus.DELIVERED,
            delivered_at__lt=now - timedelta(days=4),
            order__cases__isnull=True,
            order__needed_by__isnull=True,
            order__buyer__risk_flag=RiskFlag.NONE,
            order__payments__status=PaymentStatus.PAID,
        )
        .select_related("order__shop", "order__buyer", "carrier")
        .prefetch_related("order__lines__product")
        .distinct()
        .order_by("delivered_at", "id")
    )
    made = 0
    for index, story in enumerate(HISTORY[shop.slug]):
        parcel = _parcel_for(story, parcels, now=now)
        if parcel is None:
            continue
        parcels.remove(parcel)
        # The buyer writes a day or two after delivery, in office hours.
        day = max(now - timedelta(days=story.days_ago), parcel.delivered_at + timedelta(days=1))
        opened = timezone.localtime(day, zone).replace(hour=8 + index % 9, minute=(index * 17) % 60)
        clock = _Clock(now=now, zone=zone)
        if story.kind == RETURN:
            case = _settle_return(story, parcel.order, opened=opened, clock=clock, agent=agent, owner=owner)
        else:
            key = f"{HISTORY_KEY}-{shop.slug}-{index}"
            case = _settle_claim(story, parcel, opened=opened, clock=clock, agent=agent, owner=owner, key=key)
        if case is not None:
            clock.backdate(case)
            made += 1
    return made


def _parcel_for(story: Settled, parcels: list, *, now) -> Shipment | None:
    """The parcel delivered closest before the buyer got in touch, of the story's carrier if possible."""
    if story.kind == RETURN:
        # Within the 14-day window from delivery, which the return service checks against today.
        fits = [
            p
            for p in parcels
            if p.delivered_at > now - timedelta(days=13)
            and any(_returnable(line) for line in p.order.lines.all())
        ]
    else:
        fits = [p for p in parcels if p.carrier.code == story.carrier] or parcels
    if not fits:
        return None
    target = now - timedelta(days=story.days_ago + 1)
    return min(fits, key=lambda p: abs(p.delivered_at - target))


def _returnable(line) -> bool:
    return (
        not line.personalisation and (line.product is None or line.product.returnable) and line.unit_price > 0
    )


class _Clock:
    """When a story's steps are told to have happened.

    The services stamp everything with the real time. `at(moment)` before a step
    notes the real time it starts and the moment it stands for; `backdate` then
    moves every stamp of the case by the difference of the step it was made in.
    Steps happen in the shop's office hours, and a step that would lie in the
    future is not played (`allows`).
    """

    def __init__(self, *, now, zone):
        self.now = now
        self.zone = zone
        self.marks: list[tuple[datetime, datetime]] = []

    def office_hours(self, moment) -> datetime:
        local = timezone.localtime(moment, self.zone)
        if local.hour < 8:
            local = local.replace(hour=8)
        elif local.hour >= 18:
            local = (local + timedelta(days=1)).replace(hour=8)
        return local

    def allows(self, moment) -> bool:
        return self.office_hours(moment) < self.now - timedelta(minutes=30)

    def at(self, moment) -> None:
        moment = self.office_hours(moment)
        if self.marks and moment <= self.last:
            moment = self.last + timedelta(minutes=5)
        self.marks.append((timezone.now(), min(moment, self.now - timedelta(minutes=1))))

    @property
    def last(self) -> datetime:
        return self.marks[-1][1]

    def _shift(self, stamp) -> timedelta:
        index = max(bisect.bisect_right([real for real, _ in self.marks], stamp) - 1, 0)
        real, told = self.marks[index]
        return told - real

    def backdate(self, case) -> None:

        # (rows, stamps made at the moment of a step, stamps set from another one: field -> its base)
        tables = [
            (
                Case.objects.filter(pk=case.pk),
                ["opened_at", "updated_at", "first_responded_at", "resolved_at", "closed_at"],
                {"first_response_due": "opened_at"},
            ),
            (CaseEvent.objects.filter(case=case), ["at"], {}),
            (Claim.objects.filter(case=case), ["created_at", "evidence_computed_at"], {}),
            (PlaybookStep.objects.filter(claim__case=case), ["done_at"], {}),
            (DecisionRecord.objects.filter(case=case), ["created_at", "overridden_at"], {}),
            (Resolution.objects.filter(case=case), ["created_at"], {}),
            (
                Refund.objects.filter(case=case),
                ["created_at", "completed_at"],
                {"expected_arrival": "created_at"},
            ),
            (
                CarrierClaim.objects.filter(claim__case=case),
                ["created_at", "filed_at"],
                {"deadline": "created_at"},
            ),
            (
                ReturnRequest.objects.filter(case=case),
                [
                    "created_at",
                    "updated_at",
                    "approved_at",
                    "label_issued_at",
                    "first_scan_at",
                    "received_at",
                    "inspected_at",
                    "closed_at",
                ],
                {"expires_at": "label_issued_at"},
            ),
            (
                OutboundMessage.objects.filter(case=case),
                ["created_at", "claimed_at", "sent_at", "delivered_at", "status_changed_at"],
                {"next_attempt_at": "created_at"},
            ),
        ]
        for rows, stamps, derived in tables:
            for row in rows.values("pk", *stamps, *derived):
                changes = {field: row[field] + self._shift(row[field]) for field in stamps if row[field]}
                for field, base in derived.items():
                    if row[field] and row[base]:
                        changes[field] = _moved(row[field], self._shift(row[base]))
                rows.model.objects.filter(pk=row["pk"]).update(**changes)


def _moved(value, offset: timedelta):
    if isinstance(value, datetime):
        return value + offset
    return value + timedelta(days=round(offset / timedelta(days=1)))  # a date


def _settle_claim(story: Settled, parcel, *, opened, clock: _Clock, agent, owner, key: str) -> Case | None:
    order = parcel.order
    resolved = opened + timedelta(hours=story.hours)
    if not clock.allows(resolved):
        return None
    clock.at(opened)
    line = order.lines.order_by("position").first()
    claim = claims.claim_open(
        order=order,
        type=story.kind,
        lines=[claims.LineIn(order_line=line, quantity=1)] if story.kind in ABOUT_A_LINE else [],
        statement=STATEMENTS[story.kind].get(order.buyer.language, STATEMENTS[story.kind]["en"]),
        opened_via=OpenedVia.PORTAL,
        shipment=parcel,
    )
    case = claim.case
    # The matrix may have settled a small case on its own already; the agent takes what is left.
    clock.at(opened + timedelta(hours=1))
    case_assign(case=case, assignee=agent, actor=agent)
    case_mark_responded(case)
    if story.ask_first and _still_open(case):
        clock.at(opened + timedelta(hours=2))
        claims.claim_act(case=case, actor=agent, action="request_info", reason=ASK_FIRST[order.shop.slug])
    if story.trace and _still_open(case):
        clock.at(opened + timedelta(hours=20))
        claims.claim_act(case=case, actor=agent, action="carrier_claim", reason=TRACE[order.shop.slug])
        _file(claim.carrier_claims.first(), parcel, agent=agent)
    if _still_open(case):
        clock.at(resolved)
        _outcome(story, case, agent=agent, owner=owner, key=key, clock=clock)
    case.refresh_from_db()
    if story.carrier_pays is not None and not claim.carrier_claims.exists() and case.cost_total > 0:
        # Damage: the claim with the carrier follows the refund or the replacement, for what it cost.
        clock.at(resolved + timedelta(hours=2))
        _file(
            claims.carrier_claim_open(claim=claim, actor=agent, amount=case.cost_total), parcel, agent=agent
        )
    for refund in case.refunds.filter(status=RefundStatus.PENDING):
        if clock.allows(resolved + timedelta(days=1)):
            clock.at(resolved + timedelta(days=1))
            refund_confirm(refund=refund, actor=agent, gateway_reference=f"RF-{refund.pk:06d}")
    carrier_claim = claim.carrier_claims.first()
    answered = resolved + timedelta(days=12)
    if carrier_claim is not None and story.carrier_pays is not None and clock.allows(answered):
        clock.at(answered)
        _carrier_answers(carrier_claim, paid_percent=story.carrier_pays, agent=agent)
    closed = clock.last + timedelta(days=3)
    if clock.allows(closed) and Case.objects.filter(pk=case.pk, status=CaseStatus.RESOLVED).exists():
        clock.at(closed)
        case_move(case=case, to=CaseStatus.CLOSED, actor=agent)
    return case


def _file(carrier_claim, parcel, *, agent) -> None:
    if carrier_claim is not None:
        claims.carrier_claim_update(
            carrier_claim=carrier_claim,
            actor=agent,
            status=CarrierClaimStatus.FILED,
            reference=f"{parcel.carrier.code.upper()}-{parcel.order.number}",
        )


def _carrier_answers(carrier_claim, *, paid_percent: int, agent) -> None:
    if not paid_percent:
        claims.carrier_claim_update(
            carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.REJECTED
        )
        return
    claims.carrier_claim_update(carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.ACCEPTED)
    carrier_claim.refresh_from_db()
    recovered = (carrier_claim.claimed_amount * paid_percent / 100).quantize(Decimal("0.01"))
    claims.carrier_claim_update(
        carrier_claim=carrier_claim, actor=agent, status=CarrierClaimStatus.PAID, recovered_amount=recovered
    )


def _still_open(case: Case) -> bool:
    case.refresh_from_db(fields=["status"])
    return case.is_open


def _outcome(story: Settled, case: Case, *, agent, owner, key: str, clock: _Clock) -> None:

    if story.outcome == "found":
        case_move(case=case, to=CaseStatus.RESOLVED, actor=agent, reason=story.reason)
        return
    if story.outcome in ("reship", "reship_with_return_label", "remake"):
        # The order's own shipping may have been free; the second parcel's postage is not.
        options = {"shipping_cost": shipping_estimate(case.currency)}
    else:
        options = {"idempotency_key": key, "percent": story.percent}
    result = claims.claim_act(case=case, actor=agent, action=story.outcome, reason=story.reason, **options)
    if result.escalated_for_limit:
        # Above the agent's refund limit (seed 001 #8): the owner makes it a few hours later.
        clock.at(clock.last + timedelta(hours=3))
        claims.claim_act(case=case, actor=owner, action=story.outcome, reason=story.reason, **options)


def _settle_return(story: Settled, order, *, opened, clock: _Clock, agent, owner) -> Case | None:

    done = opened + timedelta(hours=story.hours)
    if not clock.allows(done):
        return None
    line = next(line for line in order.lines.order_by("position") if _returnable(line))
    clock.at(opened)
    request = returns.return_request(
        order=order,
        lines=[LineIn(order_line=line, quantity=line.quantity, reason=story.return_reason)],
        method="drop_off",
        resolution="refund",
        opened_via=OpenedVia.PORTAL,
    )
    clock.at(opened + timedelta(hours=20))
    returns.return_mark_in_transit(rma=request.rma)
    clock.at(done - timedelta(hours=3))
    [return_line] = request.lines.all()
    returns.return_receive(rma=request.rma, lines={return_line.pk: line.quantity}, actor=agent)
    clock.at(done)
    returns.return_inspect(
        rma=request.rma,
        lines=[
            returns.InspectLine(key=return_line.pk, accepted_quantity=line.quantity, condition=story.outcome)
        ],
        actor=agent,
    )
    request.refresh_from_db()
    if request.status == ReturnStatus.INSPECTED:
        # Above the agent's refund limit: the owner pays it out the same day.
        clock.at(done + timedelta(hours=4))
        returns.return_refund_approve(rma=request.rma, actor=owner)
        request.refresh_from_db()
    confirmed = done + timedelta(days=1)
    if request.refund_id and clock.allows(confirmed):
        clock.at(confirmed)
        refund_confirm(
            refund=request.refund, actor=agent, gateway_reference=f"RF-{request.refund_id:06d}"
        )
    closed = clock.last + timedelta(days=1)
    if clock.allows(closed):
        clock.at(closed)
        returns.return_close(rma=request.rma, actor=agent)
    return request.case
