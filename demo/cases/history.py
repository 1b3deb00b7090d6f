"""The last three months of each demo shop, as stories of cases from the buyer's first message to the close.

Without them a fresh demo has nothing resolved, so the dashboard cannot show
what claims and returns cost per carrier and product, or how long they take.
`demo.cases.replay` plays them through the real services.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.choices import ClaimType
from demo.orders import DE_SHOP, SE_SHOP

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
    # Ask household, neighbours and the post office first: most parcels "delivered, not received" are there.
    ask_first: bool = False
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
