"""Carriers' claim windows and liability limits, as their public terms state them.

A carrier pays for a lost or damaged parcel only when the claim reaches it in
time and only up to its liability limit (more when the shop bought insurance or
declared a value). Shops with a contract of their own set its figures per
carrier in the admin (`claims.CarrierContract`); these are the published
defaults. The figures were read from the terms named in each comment; terms
change, so the comments say when a figure is uncertain ("check").

Windows count calendar days, either from the day the parcel was handed over
(`SHIPPED`) or from the day it was delivered, or last scanned when it never was
(`DELIVERED`). German carriers follow the HGB: damage that was not visible at
delivery, and a short parcel, must be reported within 7 days of delivery
(§ 438 Abs. 2 HGB); loss is reported to the carrier's investigation
(Nachforschung) within its own period. Nordic carriers follow NSAB 2015 / CMR
with the same 7 days for hidden damage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cases.choices import ClaimType

SHIPPED = "shipped"
DELIVERED = "delivered"

DOMESTIC = "domestic"
INTERNATIONAL = "international"

# A short or damaged parcel is found when it arrives: the carrier hears of it within days of delivery.
# Every other claim a carrier pays for is a parcel that never arrived.
DAMAGE_TYPES = frozenset({ClaimType.DAMAGED, ClaimType.MISSING_ITEMS})


@dataclass(frozen=True)
class Window:
    days: int
    counted_from: str  # SHIPPED or DELIVERED


@dataclass(frozen=True)
class Terms:
    name: str
    loss: Window
    damage: Window
    limit: Decimal
    currency: str  # "XDR" is the IMF's special drawing right, in which CMR and the UPU count
    per_kg: bool = False  # the limit is per kilogram of the parcel's gross weight
    insurance_raises: bool = True  # declared value / insurance bought replaces the limit
    pays_shipping: bool = False  # on loss, the carrier also refunds what the shipping cost
    letter_language: str = ""  # the language its claims department reads; "" = the shop's
    source: str = ""


def _days(days: int, counted_from: str) -> Window:
    return Window(days, counted_from)


HIDDEN_DAMAGE_HGB = _days(7, DELIVERED)  # § 438 Abs. 2 HGB
HIDDEN_DAMAGE_NSAB = _days(7, DELIVERED)  # NSAB 2015 § 22 / CMR Art. 30: seven days after delivery

TERMS: dict[tuple[str, str], Terms] = {
    # DHL Paket national: "Allgemeine Geschäftsbedingungen der DHL Paket GmbH – DHL Paket/Express National"
    # https://www.dhl.de/de/privatkunden/hilfe-kundenservice/agb.html – liability for a Paket up to
    # 500 EUR (Päckchen: none); a Transportversicherung bought with the label raises it (2,500 /
    # 25,000 EUR). Investigation (Nachforschungsauftrag) within six months of handing over, as of
    # 2025, check. § 432 HGB: on loss the freight is refunded too.
    ("dhl", DOMESTIC): Terms(
        name="DHL Paket",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("500"),
        currency="EUR",
        pays_shipping=True,
        letter_language="de",
        source="DHL Paket AGB National, https://www.dhl.de/de/privatkunden/hilfe-kundenservice/agb.html",
    ),
    # DHL Paket International: "AGB DHL Paket International" (same page) – up to 500 EUR per parcel,
    # investigation within six months of handing over (the UPU's period for enquiries), as of 2025, check.
    ("dhl", INTERNATIONAL): Terms(
        name="DHL Paket International",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("500"),
        currency="EUR",
        letter_language="de",
        source="DHL Paket AGB International, https://www.dhl.de/de/privatkunden/hilfe-kundenservice/agb.html",
    ),
    # DPD Deutschland: "Allgemeine Geschäftsbedingungen der DPD Deutschland GmbH"
    # https://www.dpd.com/de/de/agb/ – liability up to 520 EUR per parcel, a higher insured value
    # with "Höherversicherung"; damage within 7 days of delivery (HGB). For loss the terms ask for a
    # prompt report; six months from handing over is used here, as of 2025, check your contract.
    ("dpd", DOMESTIC): Terms(
        name="DPD Classic",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("520"),
        currency="EUR",
        pays_shipping=True,
        letter_language="de",
        source="DPD Deutschland AGB, https://www.dpd.com/de/de/agb/",
    ),
    ("dpd", INTERNATIONAL): Terms(
        name="DPD Classic International",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("520"),
        currency="EUR",
        letter_language="de",
        source="DPD Deutschland AGB, https://www.dpd.com/de/de/agb/",
    ),
    # Hermes Germany: "Allgemeine Geschäftsbedingungen der Hermes Germany GmbH"
    # https://www.myhermes.de/agb/ – Pakete up to 500 EUR (Päckchen 50 EUR); no insurance beyond it
    # for private senders, business contracts vary. Loss: investigation within three months of
    # handing over, as of 2025, check.
    ("hermes", DOMESTIC): Terms(
        name="Hermes Paket",
        loss=_days(90, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("500"),
        currency="EUR",
        insurance_raises=False,
        pays_shipping=True,
        letter_language="de",
        source="Hermes Germany AGB, https://www.myhermes.de/agb/",
    ),
    ("hermes", INTERNATIONAL): Terms(
        name="Hermes Paket International",
        loss=_days(90, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("500"),
        currency="EUR",
        insurance_raises=False,
        letter_language="de",
        source="Hermes Germany AGB, https://www.myhermes.de/agb/",
    ),
    # GLS Germany: "Allgemeine Geschäftsbedingungen der GLS Germany" https://gls-group.com/DE/de/agb
    # – up to 750 EUR per parcel, more with GLS's AddOnLiability; loss reported within six months,
    # as of 2025, check.
    ("gls", DOMESTIC): Terms(
        name="GLS BusinessParcel",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("750"),
        currency="EUR",
        pays_shipping=True,
        letter_language="de",
        source="GLS Germany AGB, https://gls-group.com/DE/de/agb",
    ),
    ("gls", INTERNATIONAL): Terms(
        name="GLS EuroBusinessParcel",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_HGB,
        limit=Decimal("750"),
        currency="EUR",
        letter_language="de",
        source="GLS Germany AGB, https://gls-group.com/DE/de/agb",
    ),
    # UPS: "UPS Terms and Conditions of Carriage/Service (Germany)"
    # https://www.ups.com/de/de/support/shipping-support/legal-terms-conditions.page – liability
    # limited to 510 EUR per parcel unless a higher value was declared (and paid for); claims in
    # writing within 14 days of receipt for damage or a short parcel, within 60 days of the date of
    # shipment for loss, as of 2024, check. UPS reads English as well as the local language: the
    # letter is in the shop's language.
    ("ups", DOMESTIC): Terms(
        name="UPS Standard",
        loss=_days(60, SHIPPED),
        damage=_days(14, DELIVERED),
        limit=Decimal("510"),
        currency="EUR",
        source="UPS Terms and Conditions of Carriage, "
        "https://www.ups.com/de/de/support/shipping-support/legal-terms-conditions.page",
    ),
    ("ups", INTERNATIONAL): Terms(
        name="UPS Standard International",
        loss=_days(60, SHIPPED),
        damage=_days(14, DELIVERED),
        limit=Decimal("510"),
        currency="EUR",
        source="UPS Terms and Conditions of Carriage, "
        "https://www.ups.com/de/de/support/shipping-support/legal-terms-conditions.page",
    ),
    # PostNord Sverige: "Allmänna villkor för PostNords paket- och godstjänster (företag)"
    # https://www.postnord.se/villkor – within Sweden NSAB 2015: 150 SEK per kg gross weight; damage
    # within 7 days of delivery; loss (reklamation) within six months of handing over, as of 2025,
    # check. Insurance (tilläggstjänsten Värde) raises it.
    ("postnord", DOMESTIC): Terms(
        name="PostNord MyPack",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_NSAB,
        limit=Decimal("150"),
        currency="SEK",
        per_kg=True,
        letter_language="sv",
        source="PostNord allmänna villkor (NSAB 2015), https://www.postnord.se/villkor",
    ),
    # Abroad CMR Art. 23: 8.33 SDR per kg; in the shop's money only with a contract figure.
    ("postnord", INTERNATIONAL): Terms(
        name="PostNord Parcel International",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_NSAB,
        limit=Decimal("8.33"),
        currency="XDR",
        per_kg=True,
        letter_language="sv",
        source="PostNord allmänna villkor / CMR Art. 23, https://www.postnord.se/villkor",
    ),
    # Bring: "Bring Parcels AB – allmänna villkor" https://www.bring.se/villkor (Norway: "Generelle
    # vilkår for Bring" https://www.bring.no/vilkar) – from Sweden NSAB 2015 as PostNord, abroad CMR
    # 8.33 SDR per kg; six months for loss, as of 2025, check. Bring's Swedish company reads Swedish,
    # and Norwegian claims departments read it too, so the letter is in Swedish.
    ("bring", DOMESTIC): Terms(
        name="Bring Parcels",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_NSAB,
        limit=Decimal("150"),
        currency="SEK",
        per_kg=True,
        letter_language="sv",
        source="Bring Parcels AB allmänna villkor (NSAB 2015), https://www.bring.se/villkor",
    ),
    ("bring", INTERNATIONAL): Terms(
        name="Bring Parcels International",
        loss=_days(180, SHIPPED),
        damage=HIDDEN_DAMAGE_NSAB,
        limit=Decimal("8.33"),
        currency="XDR",
        per_kg=True,
        letter_language="sv",
        source="Bring vilkår / CMR Art. 23, https://www.bring.no/vilkar",
    ),
}

# Where a claim is sent when the shop's contract names no other address: the carrier's registered
# seat as its imprint (Impressum / företagsuppgifter) gives it, as of 2025, check.
CLAIM_ADDRESSES: dict[str, tuple[str, ...]] = {
    "dhl": ("DHL Paket GmbH", "Sträßchensweg 10", "53113 Bonn", "Deutschland"),
    "dpd": ("DPD Deutschland GmbH", "Wailandtstraße 1", "63741 Aschaffenburg", "Deutschland"),
    "hermes": ("Hermes Germany GmbH", "Essener Straße 89", "22419 Hamburg", "Deutschland"),
    "gls": ("General Logistics Systems Germany GmbH & Co. OHG", "GLS Germany-Straße 1–7", "36286 Neuenstein"),
    "ups": ("United Parcel Service Deutschland S.à r.l. & Co. OHG", "Görlitzer Straße 1", "41460 Neuss"),
    "postnord": ("PostNord Sverige AB", "Terminalvägen 24", "171 73 Solna", "Sverige"),
    # No address we could confirm: the shop's contract names the claims department.
    "bring": ("Bring Parcels AB", "Sverige"),
}


def terms_for(carrier_code: str, *, international: bool) -> Terms | None:
    return TERMS.get((carrier_code, INTERNATIONAL if international else DOMESTIC))
