"""The orders the demo's stories are about, placed where a demo shows them best.

Each is a problem a small shop meets after the sale: napkins said to be missing
from a parcel that weighed what all of them do, a wedding order stuck in a hub,
a rush order paid by a cheque that has not cleared, a monogram made exactly as
the buyer typed it. `demo.cases` opens the cases that belong to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .plan import DemoOrder
from .products import PRODUCTS
from .shops import DE_SHOP, SE_SHOP

if TYPE_CHECKING:
    from .generator import Generator


def story_orders(generator: Generator) -> list[DemoOrder]:
    a = generator.anchor
    napkins = PRODUCTS[DE_SHOP][0]
    handkerchiefs_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "TT-MONO-3")
    mono_napkins_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "SRV-MONO-12")
    damask = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "TD-DAM-160-320")
    tea_towels = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "GT-HL-3-RK")
    bed_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "BW-155-220-GR")
    se = {p.sku: p for p in PRODUCTS[SE_SHOP]}

    sabine = generator.buyer(
        DE_SHOP, "de", first="Sabine", last="Kröger", salutation="ms", country="DE", host="web.example"
    )
    frank = generator.buyer(
        DE_SHOP, "de", first="Frank", last="Lehmann", salutation="mr", country="DE", host="gmx.example"
    )
    johanna = generator.buyer(DE_SHOP, "de", first="Johanna", last="Brandt", salutation="ms", country="DE")
    margaret = generator.buyer(DE_SHOP, "en", first="Margaret", last="Whitfield", country="GB")
    katrin = generator.buyer(DE_SHOP, "de", first="Katrin", last="Vogel", salutation="ms", country="DE")
    thomas = generator.buyer(DE_SHOP, "de", first="Thomas", last="Richter", country="DE")
    lena = generator.buyer(SE_SHOP, "sv", first="Lena", last="Holm", country="SE", host="telia.example")
    rebecca = generator.buyer(
        SE_SHOP, "en", first="Rebecca", last="Hughes", country="GB", host="mail.example"
    )
    ingrid = generator.buyer(SE_SHOP, "sv", first="Ingrid", last="Sjöberg", country="SE")
    ingvild = generator.buyer(SE_SHOP, "en", first="Ingvild", last="Haugen", country="NO")
    astrid = generator.buyer(SE_SHOP, "sv", first="Astrid", last="Öberg", country="SE")
    magnus = generator.buyer(SE_SHOP, "sv", first="Magnus", last="Lindqvist", country="SE")

    def at(days: float, hour: int = 10) -> datetime:
        return (a - timedelta(days=days)).replace(hour=hour, minute=12, second=0)

    mono = generator.monogram
    return [
        # Four dozen napkins by next-day air, "only three arrived"; the parcel weighed 2.4 kg.
        DemoOrder(
            DE_SHOP,
            at(21),
            sabine,
            [(napkins, 4, [])],
            story="delivered",
            speed="next_day",
            carrier="ups",
            drop_place="Haustür",
            packed_weight_g=2430,
            note="Mögliche B2B-Kundin (Café in Hamburg), mit besonderer Sorgfalt gepackt und gewogen.",
        ),
        DemoOrder(
            DE_SHOP,
            at(33),
            frank,
            [(bed_de, 1, []), (tea_towels, 2, [])],
            story="delivered",
            carrier="dhl",
            drop_place="Haustür",
        ),
        # Handkerchiefs for a wedding; the parcel has not moved for over a week.
        DemoOrder(
            DE_SHOP,
            at(16),
            johanna,
            [(handkerchiefs_de, 3, mono(DE_SHOP, johanna)), (mono_napkins_de, 2, mono(DE_SHOP, johanna))],
            story="stalled",
            needed_by=(a + timedelta(days=4)).date(),
            carrier="dhl",
            note="Hochzeit in vier Tagen – Kundin hat bei Bestellung auf den Termin hingewiesen.",
        ),
        # A personal cheque on a rush order; the cheque has not cleared.
        DemoOrder(
            DE_SHOP,
            at(1, 15),
            margaret,
            [(damask, 1, []), (napkins, 6, [])],
            speed="next_day",
            needed_by=(a + timedelta(days=5)).date(),
            payment_method="personal_cheque",
            story="unshipped",
            note="Persönlicher Scheck per Post eingegangen, noch nicht gutgeschrieben. "
            "Vor dem Versand Eingang abwarten (5 Werktage).",
        ),
        # The monogram exactly as typed, lower case and reversed, comes back as a claim.
        DemoOrder(
            DE_SHOP,
            at(12),
            katrin,
            [
                (
                    handkerchiefs_de,
                    2,
                    [{"label": "Monogramm", "value": "vmk "}, {"label": "Garnfarbe", "value": "Weiß"}],
                )
            ],
            story="delivered",
            carrier="hermes",
            drop_place="Briefkasten",
        ),
        DemoOrder(
            DE_SHOP,
            at(30),
            thomas,
            [(napkins, 2, []), (tea_towels, 1, [])],
            story="unknown_address",
            carrier="hermes",
        ),
        DemoOrder(
            SE_SHOP,
            at(14),
            lena,
            [(se["PAS-150-210"], 2, []), (se["ORN-50-60-2"], 2, [])],
            story="delivered",
            carrier="postnord",
            drop_place="Utanför dörren",
        ),
        DemoOrder(
            SE_SHOP,
            at(25),
            rebecca,
            [(se["NSD-MONO-3"], 2, mono(SE_SHOP, rebecca))],
            story="delivered",
            carrier="ups",
            drop_place="Front door",
        ),
        DemoOrder(
            SE_SHOP,
            at(15),
            ingrid,
            [(se["DUK-DAMAST-150-320"], 1, []), (se["SERV-LIN-12-VIT"], 2, [])],
            story="stalled",
            carrier="postnord",
            needed_by=(a + timedelta(days=9)).date(),
        ),
        DemoOrder(
            SE_SHOP,
            at(28),
            ingvild,
            [(se["KH-LIN-2-RAND"], 3, [])],
            story="returned",
            carrier="bring",
        ),
        DemoOrder(
            SE_SHOP,
            at(5),
            astrid,
            [(se["SERV-HALV-12-NAT"], 2, [])],
            story="pickup_point",
            carrier="postnord",
        ),
        DemoOrder(
            SE_SHOP,
            at(40),
            magnus,
            [(se["LAK-240-270"], 1, [])],
            story="lost",
            carrier="postnord",
        ),
    ]
