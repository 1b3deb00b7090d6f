"""What the demo shops sell: linen by the dozen, some of it with a monogram the buyer types."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .shops import DE_SHOP, SE_SHOP


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    weight_g: int
    price: Decimal
    kind: str  # napkins, tablecloth, handkerchiefs, tea_towels, bed_linen, runner
    monogram: bool = False
    # Variants of one product (colours, sizes): an agent exchanges within a family, for the same or less.
    family: str = ""


def _p(sku, title, weight_g, price, kind, monogram=False, family="") -> Product:
    return Product(sku, title, weight_g, Decimal(price), kind, monogram, family)


# A dozen linen napkins weighs about 1.2 lb (545 g): enough for a parcel's weight to show
# whether the dozen a buyer calls missing was in it.
PRODUCTS = {
    DE_SHOP: [
        _p(
            "SRV-LEI-12-WS",
            "Leinenservietten 45 × 45 cm, weiß, 12 Stück",
            545,
            "59.00",
            "napkins",
            family="SRV-LEI-12",
        ),
        _p(
            "SRV-LEI-12-NA",
            "Leinenservietten 45 × 45 cm, natur, 12 Stück",
            545,
            "59.00",
            "napkins",
            family="SRV-LEI-12",
        ),
        _p("SRV-HS-12", "Hohlsaum-Servietten aus Reinleinen, Dutzend", 545, "74.00", "napkins"),
        _p("SRV-MONO-12", "Leinenservietten mit Monogramm, 12 Stück", 545, "98.00", "napkins", True),
        _p("TD-160-250-WS", "Leinentischdecke 160 × 250 cm, weiß", 980, "89.00", "tablecloth"),
        _p("TD-RUND-180-SB", "Runde Leinentischdecke Ø 180 cm, salbei", 820, "79.00", "tablecloth"),
        _p("TD-DAM-160-320", "Damast-Tischdecke 160 × 320 cm, Rosenmuster", 1350, "139.00", "tablecloth"),
        _p("TL-40-150", "Tischläufer Halbleinen 40 × 150 cm, anthrazit", 220, "34.90", "runner"),
        _p(
            "TT-MONO-3",
            "Taschentücher aus Batistleinen mit Monogramm, 3 Stück",
            75,
            "29.90",
            "handkerchiefs",
            True,
        ),
        _p("TT-SPITZE-6", "Damentaschentücher mit Klöppelspitze, 6 Stück", 90, "34.00", "handkerchiefs"),
        _p("GT-HL-3-RK", "Geschirrtücher Halbleinen, rot kariert, 3er-Pack", 330, "19.90", "tea_towels"),
        _p("GT-RL-2-ST", "Geschirrtücher Reinleinen, gestreift, 2 Stück", 240, "18.50", "tea_towels"),
        _p(
            "BW-135-200",
            "Bettwäsche Leinen 135 × 200 cm mit Kissen 80 × 80, weiß",
            1600,
            "149.00",
            "bed_linen",
            family="BW-LEINEN",
        ),
        _p(
            "BW-155-220-GR",
            "Bettwäsche Leinen 155 × 220 cm, steingrau",
            1900,
            "169.00",
            "bed_linen",
            family="BW-LEINEN",
        ),
        _p("KB-80-80", "Kissenbezug Leinen 80 × 80 cm, gewaschen", 300, "29.90", "bed_linen"),
    ],
    SE_SHOP: [
        _p("SERV-LIN-12-VIT", "Linneservetter 45 × 45 cm, vit, 12-pack", 545, "649.00", "napkins"),
        _p("SERV-HALV-12-NAT", "Halvlinneservetter, natur, ett dussin", 545, "549.00", "napkins"),
        _p("SERV-MONO-12", "Linneservetter med monogram, 12-pack", 545, "995.00", "napkins", True),
        _p("DUK-150-250-VIT", "Linneduk 150 × 250 cm, vit", 950, "995.00", "tablecloth"),
        _p("DUK-RUND-170-GRA", "Rund linneduk Ø 170 cm, ljusgrå", 780, "895.00", "tablecloth"),
        _p("DUK-DAMAST-150-320", "Damastduk 150 × 320 cm, rosenmönster", 1300, "1495.00", "tablecloth"),
        _p("LOP-45-150", "Löpare i linne 45 × 150 cm, rost", 210, "349.00", "runner"),
        _p("NSD-MONO-3", "Näsdukar i batistlinne med monogram, 3-pack", 75, "329.00", "handkerchiefs", True),
        _p("KH-LIN-2-RAND", "Kökshanddukar i linne, randiga, 2-pack", 240, "229.00", "tea_towels"),
        _p("KH-HALV-3-RUT", "Kökshanddukar halvlinne, rutiga, 3-pack", 330, "279.00", "tea_towels"),
        _p("PAS-150-210", "Påslakan i linne 150 × 210 cm, vit", 1200, "1495.00", "bed_linen"),
        _p("ORN-50-60-2", "Örngott i linne 50 × 60 cm, 2-pack", 300, "399.00", "bed_linen"),
        _p("LAK-240-270", "Lakan i linne 240 × 270 cm, naturgrå", 1100, "1195.00", "bed_linen"),
    ],
}
# How often each kind is bought, and how many of it at most in one order.
KIND_WEIGHT = {
    "napkins": 5,
    "tablecloth": 3,
    "runner": 2,
    "handkerchiefs": 3,
    "tea_towels": 4,
    "bed_linen": 2,
}
MAX_QUANTITY = {
    "napkins": 4,
    "tablecloth": 2,
    "runner": 2,
    "handkerchiefs": 3,
    "tea_towels": 4,
    "bed_linen": 2,
}
# Labels as the shop's order form shows them: the buyer's input is kept under these.
MONOGRAM_LABELS = {DE_SHOP: ("Monogramm", "Garnfarbe"), SE_SHOP: ("Monogram", "Trådfärg")}
THREAD_COLOURS = {
    DE_SHOP: ["Weiß", "Silbergrau", "Marineblau", "Altrosa", "Salbei"],
    SE_SHOP: ["Vit", "Silvergrå", "Marinblå", "Gammelrosa", "Salvia"],
}
