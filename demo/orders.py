"""The demo: two linen shops, their carriers, two users and ~300 orders with parcel stories.

Everything is drawn from one seeded random generator and one anchor time (when
the German demo shop was first created), so every run builds the same
catalogue: a second `seed_demo` finds every order already there, and tests can
rely on what is in it. Orders and tracking events go through
`orders.services`, validated by the API's serializers, like a shop's own feed.

E-mail addresses use the reserved `.example` top-level domain and phone numbers
the ranges set aside for fiction, so a demo with a real mail server never
writes to a real person.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from rest_framework.authtoken.models import Token

from config.roles import AGENTS, OWNERS
from orders import services
from orders.api import OrderInSerializer, TrackingEventInSerializer
from orders.models import Buyer, Carrier, Order, RiskFlag, Shop

SEED = 20250614
SOURCE = "demo"
DAYS = 90
CENT = Decimal("0.01")

# --- carriers, shops, users ---------------------------------------------------

CARRIERS = {
    "dhl": (
        "DHL",
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
    ),
    "dpd": ("DPD", "https://tracking.dpd.de/status/de_DE/parcel/{tracking_number}"),
    "hermes": (
        "Hermes",
        "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{tracking_number}",
    ),
    "postnord": (
        "PostNord",
        "https://www.postnord.se/vara-verktyg/spara-brev-paket-och-pall?shipmentId={tracking_number}",
    ),
    "bring": ("Bring", "https://tracking.bring.com/tracking/{tracking_number}"),
    "ups": ("UPS", "https://www.ups.com/track?loc=de_DE&tracknum={tracking_number}"),
}

DE_SHOP = "leinen-liebe"
SE_SHOP = "linnestugan"
SHOPS = {
    DE_SHOP: {
        "name": "Leinen & Liebe",
        "currency": "EUR",
        "default_language": "de",
        "time_zone": "Europe/Berlin",
        "country": "DE",
        "support_email": "hilfe@leinen-liebe.example",
        # 030 23125 xxx is the Berlin range reserved for fiction.
        "support_phone": "+49 30 23125 640",
        "support_url": "https://leinen-liebe.example/hilfe",
        "carriers": ["dhl", "dpd", "hermes", "ups"],
    },
    SE_SHOP: {
        "name": "Linnestugan",
        "currency": "SEK",
        "default_language": "sv",
        "time_zone": "Europe/Stockholm",
        "country": "SE",
        "support_email": "kundtjanst@linnestugan.example",
        # 08-465 004 xx is reserved by PTS for use in fiction.
        "support_phone": "+46 8 465 004 17",
        "support_url": "https://linnestugan.example/kundtjanst",
        "carriers": ["postnord", "bring", "dhl", "ups"],
    },
}
ORIGIN = {DE_SHOP: ("Bielefeld", "DE"), SE_SHOP: ("Bollnäs", "SE")}
# Each shop's return address (returns.ReturnPolicy fields): returns go back to the warehouse they left.
RETURN_POLICIES = {
    DE_SHOP: {
        "return_name": "Leinen & Liebe Retouren",
        "return_line1": "Heeper Straße 212",
        "return_line2": "Halle 3, Tor 2",
        "return_postal_code": "33607",
        "return_city": "Bielefeld",
        "return_country": "DE",
    },
    SE_SHOP: {
        "return_name": "Linnestugan Returer",
        "return_line1": "Hällbovägen 14",
        "return_line2": "",
        "return_postal_code": "821 43",
        "return_city": "Bollnäs",
        "return_country": "SE",
    },
}

USERS = (
    # username (= demo password), group, may use the admin
    ("owner", OWNERS, True),
    ("agent", AGENTS, False),
)


# --- products -----------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    weight_g: int
    price: Decimal
    kind: str  # napkins, tablecloth, handkerchiefs, tea_towels, bed_linen, runner
    monogram: bool = False


def _p(sku, title, weight_g, price, kind, monogram=False) -> Product:
    return Product(sku, title, weight_g, Decimal(price), kind, monogram)


# A dozen linen napkins weighs about 1.2 lb (545 g): the weight check of seed 002 #1.
PRODUCTS = {
    DE_SHOP: [
        _p("SRV-LEI-12-WS", "Leinenservietten 45 × 45 cm, weiß, 12 Stück", 545, "59.00", "napkins"),
        _p("SRV-LEI-12-NA", "Leinenservietten 45 × 45 cm, natur, 12 Stück", 545, "59.00", "napkins"),
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
        ),
        _p("BW-155-220-GR", "Bettwäsche Leinen 155 × 220 cm, steingrau", 1900, "169.00", "bed_linen"),
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

# --- buyers and addresses -----------------------------------------------------

FIRST = {
    "de": "Anna Katrin Sabine Julia Miriam Claudia Petra Ute Lena Charlotte Franziska Johanna Heike Birgit "
    "Stefanie Thomas Michael Andreas Jens Matthias Lukas Felix Jan Christoph Wolfgang Elisabeth Ingrid "
    "Hannelore Greta Marlene".split(),
    "sv": "Anna Eva Karin Kristina Lena Maria Sara Ingrid Birgitta Elin Ebba Astrid Margareta Sofia Johanna "
    "Erik Lars Anders Per Johan Magnus Olof Gustav Nils Fredrik Linnea Maja Agneta Ulla Henrik".split(),
    "en": "Emily Sarah Hannah Olivia Charlotte Margaret Rebecca Laura Claire Fiona James Daniel Thomas "
    "Oliver William Michael David Patrick Sophie Grace".split(),
}
LAST = {
    "de": "Schmidt Müller Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch Richter Klein "
    "Wolf Schröder Neumann Schwarz Braun Hofmann Zimmermann Krüger Hartmann Lange Werner Krause Lehmann "
    "Köhler Vogel Brandt Engel".split(),
    "sv": "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Lindberg Lindqvist Bergström Lundgren Holm Sandberg Forsberg Sjöberg Åberg "
    "Engström Lindahl Ekström Wallin Nyström Björk Hedlund Öberg Dahl".split(),
    "en": "Smith Jones Taylor Brown Williams Wilson Evans Roberts Walker Wright Robinson Thompson Hughes "
    "Green Hall Clarke Murphy O'Brien Bennett Fletcher".split(),
}
MAIL_HOSTS = {
    "de": ["web.example", "gmx.example", "posteo.example", "t-online.example", "mailbox.example"],
    "sv": ["telia.example", "bredband.example", "spray.example", "mail.example"],
    "en": ["mail.example", "outlook.example", "btinternet.example", "fastmail.example"],
}
CITIES = {
    "DE": [
        ("10115", "Berlin"),
        ("10437", "Berlin"),
        ("20095", "Hamburg"),
        ("22765", "Hamburg"),
        ("80331", "München"),
        ("81667", "München"),
        ("50667", "Köln"),
        ("60311", "Frankfurt am Main"),
        ("04109", "Leipzig"),
        ("01067", "Dresden"),
        ("79098", "Freiburg im Breisgau"),
        ("48143", "Münster"),
        ("28195", "Bremen"),
        ("70173", "Stuttgart"),
        ("30159", "Hannover"),
        ("24103", "Kiel"),
        ("69117", "Heidelberg"),
        ("93047", "Regensburg"),
        ("99084", "Erfurt"),
        ("33602", "Bielefeld"),
    ],
    "AT": [("1070", "Wien"), ("5020", "Salzburg"), ("6020", "Innsbruck")],
    "CH": [("8001", "Zürich"), ("3011", "Bern"), ("4051", "Basel")],
    "NL": [("1015 BS", "Amsterdam"), ("3512 JE", "Utrecht")],
    "GB": [("EH1 2NG", "Edinburgh"), ("N1 9GU", "London"), ("BA1 1LT", "Bath"), ("YO1 7HH", "York")],
    "IE": [("D02 X285", "Dublin"), ("T12 R2NC", "Cork")],
    "SE": [
        ("111 22", "Stockholm"),
        ("116 46", "Stockholm"),
        ("113 51", "Stockholm"),
        ("411 06", "Göteborg"),
        ("413 04", "Göteborg"),
        ("211 22", "Malmö"),
        ("753 20", "Uppsala"),
        ("722 12", "Västerås"),
        ("702 10", "Örebro"),
        ("582 24", "Linköping"),
        ("903 26", "Umeå"),
        ("222 21", "Lund"),
        ("821 43", "Bollnäs"),
        ("802 50", "Gävle"),
        ("831 30", "Östersund"),
        ("352 30", "Växjö"),
    ],
    "NO": [("0150", "Oslo"), ("0552", "Oslo"), ("5003", "Bergen"), ("7011", "Trondheim")],
    "FI": [("00100", "Helsingfors"), ("20100", "Åbo")],
    "DK": [("1050", "København K"), ("8000", "Aarhus C")],
}
STREETS = {
    "de": "Lindenstraße Hauptstraße Gartenweg Schillerstraße Goethestraße Bahnhofstraße Kastanienallee "
    "Rosenweg Mühlenweg Friedrichstraße Kirchgasse Ahornweg Bergstraße Uhlandstraße".split(),
    "sv": "Storgatan Drottninggatan Kungsgatan Vasagatan Skolgatan Björkvägen Ringvägen Linnégatan "
    "Sveavägen Tallvägen Kyrkogatan Järnvägsgatan Parkvägen".split(),
    "no": ["Thorvald Meyers gate", "Markveien", "Kirkegata", "Bygdøy allé", "Olav Kyrres gate"],
    "en": ["High Street", "Church Lane", "Victoria Road", "Mill Lane", "Station Road", "Queen Street"],
}
STREET_STYLE = {"DE": "de", "AT": "de", "CH": "de", "SE": "sv", "FI": "sv", "DK": "sv", "NO": "no"}
# (language, weight), then the countries that buyer ships to, per shop.
BUYER_MIX = {
    DE_SHOP: [("de", 80), ("en", 14), ("sv", 6)],
    SE_SHOP: [("sv", 80), ("en", 14), ("de", 6)],
}
COUNTRIES = {
    (DE_SHOP, "de"): [("DE", 85), ("AT", 10), ("CH", 5)],
    (DE_SHOP, "en"): [("DE", 30), ("GB", 35), ("IE", 15), ("NL", 20)],
    (DE_SHOP, "sv"): [("SE", 100)],
    (SE_SHOP, "sv"): [("SE", 82), ("FI", 8), ("NO", 10)],
    (SE_SHOP, "en"): [("SE", 30), ("NO", 35), ("DK", 15), ("GB", 20)],
    (SE_SHOP, "de"): [("DE", 100)],
}
VAT = {DE_SHOP: Decimal("0.19"), SE_SHOP: Decimal("0.25")}
SHIPPING_FEE = {DE_SHOP: (Decimal("4.90"), Decimal("100")), SE_SHOP: (Decimal("79.00"), Decimal("1000"))}
SIGNATURE_ABOVE = {DE_SHOP: Decimal("150"), SE_SHOP: Decimal("1500")}

# The buyers the owner has flagged, with the reason in the owner's words (seed 002 #1).
FLAGS = {
    "sabine.kroeger@web.example": (
        RiskFlag.QUESTIONABLE,
        "fragwürdig: reklamierte 2025 fehlende Servietten (4 Dutzend bestellt, 3 erhalten), Paket wog 2,4 kg",
    ),
    "frank.lehmann@gmx.example": (
        RiskFlag.WATCH,
        "beobachten: zwei PayPal-Rückbuchungen 2025, beide Pakete mit Unterschrift zugestellt",
    ),
    "lena.holm@telia.example": (
        RiskFlag.QUESTIONABLE,
        "tveksam: anmälde 2025 att paketet aldrig kom, PostNord har kvittens med hennes signatur",
    ),
    "rebecca.hughes@mail.example": (
        RiskFlag.WATCH,
        "claimed a wrong monogram twice in 2025; both times the order shows the letters she typed",
    ),
}

# --- carriers' own words for each step of a parcel's way ------------------------

# step -> (normalised status, carrier status code, description)
_DE_DHL = {
    "label": (
        "pre_transit",
        "ANK",
        "Die Auftragsdaten zu dieser Sendung wurden vom Absender elektronisch an DHL übermittelt.",
    ),
    "pickup": ("in_transit", "ABH", "Die Sendung wurde vom Absender in der Filiale eingeliefert."),
    "hub": ("in_transit", "SPZ", "Die Sendung wurde im Start-Paketzentrum bearbeitet."),
    "dest": ("in_transit", "ZPZ", "Die Sendung wurde im Ziel-Paketzentrum bearbeitet."),
    "out": ("out_for_delivery", "ZUV", "Die Sendung wurde in das Zustellfahrzeug geladen."),
    "delivered": ("delivered", "ZU", "Die Sendung wurde erfolgreich zugestellt."),
    "failed": (
        "delivery_failed",
        "NZU",
        "Der Empfänger wurde nicht angetroffen. Die Sendung wird in eine Filiale gebracht.",
    ),
    "pickup_point": ("available_for_pickup", "FIL", "Die Sendung liegt in der Filiale zur Abholung bereit."),
    "exception": ("exception", "BES", "Die Sendung wurde beschädigt und wird nachverpackt."),
    "returned": (
        "returned_to_sender",
        "RTS",
        "Die Sendung wurde nicht abgeholt und wird an den Absender zurückgesendet.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RTS-ADR",
        "Empfänger unter der angegebenen Adresse nicht zu ermitteln. Rücksendung an den Absender.",
    ),
    "lost": (
        "lost",
        "NFO",
        "Die Sendung konnte nicht aufgefunden werden. Die Nachforschung ist abgeschlossen.",
    ),
}
_DE_DPD = {
    "label": ("pre_transit", "00", "Auftragsdaten an DPD übermittelt"),
    "pickup": ("in_transit", "01", "Paket vom Versender übernommen"),
    "hub": ("in_transit", "02", "Im Paketzentrum sortiert"),
    "dest": ("in_transit", "10", "Im Zustelldepot eingetroffen"),
    "out": ("out_for_delivery", "03", "In Zustellung"),
    "delivered": ("delivered", "13", "Zugestellt"),
    "failed": ("delivery_failed", "15", "Zustellung nicht möglich: Empfänger nicht angetroffen"),
    "pickup_point": ("available_for_pickup", "23", "Paket liegt im DPD Pickup Paketshop zur Abholung bereit"),
    "exception": ("exception", "14", "Paket beschädigt, Klärung läuft"),
    "returned": ("returned_to_sender", "17", "Rücksendung an den Versender"),
    "unknown_address": ("returned_to_sender", "17", "Adresse nicht auffindbar, Rücksendung an den Versender"),
    "lost": ("lost", "99", "Paket nicht auffindbar, Nachforschung abgeschlossen"),
}
_DE_HERMES = {
    "label": ("pre_transit", "1000", "Die Sendung wurde Hermes elektronisch angekündigt."),
    "pickup": ("in_transit", "2000", "Die Sendung wurde im Hermes PaketShop eingeliefert."),
    "hub": ("in_transit", "2300", "Die Sendung wurde im Hermes Logistikzentrum sortiert."),
    "dest": ("in_transit", "2400", "Die Sendung hat das Hermes Verteilzentrum erreicht."),
    "out": ("out_for_delivery", "3000", "Die Sendung ist auf dem Weg zum Empfänger."),
    "delivered": ("delivered", "3500", "Die Sendung wurde zugestellt."),
    "failed": ("delivery_failed", "3600", "Der Empfänger wurde nicht angetroffen."),
    "pickup_point": (
        "available_for_pickup",
        "3700",
        "Die Sendung liegt im Hermes PaketShop zur Abholung bereit.",
    ),
    "exception": ("exception", "4100", "Die Sendung wurde beschädigt."),
    "returned": ("returned_to_sender", "4500", "Die Sendung wird an den Absender zurückgeführt."),
    "unknown_address": (
        "returned_to_sender",
        "4510",
        "Empfänger verzogen oder unbekannt. Die Sendung geht an den Absender zurück.",
    ),
    "lost": ("lost", "4900", "Die Sendung ist in Verlust geraten."),
}
_EN_UPS = {
    "label": ("pre_transit", "MP", "Shipper created a label, UPS has not received the package yet."),
    "pickup": ("in_transit", "P", "Pickup Scan"),
    "hub": ("in_transit", "I", "Departed from Facility"),
    "dest": ("in_transit", "I", "Arrived at Facility"),
    "out": ("out_for_delivery", "O", "Out For Delivery Today"),
    "delivered": ("delivered", "D", "Delivered"),
    "failed": (
        "delivery_failed",
        "X",
        "The receiver was not available for delivery. We'll make a second attempt the next business day.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "X",
        "Your package is at the UPS Access Point location and can be picked up.",
    ),
    "exception": ("exception", "X", "Damage reported. The package is being repackaged."),
    "returned": ("returned_to_sender", "RS", "Returned to Sender"),
    "unknown_address": (
        "returned_to_sender",
        "RS",
        "The address is incomplete or incorrect. Returned to Sender.",
    ),
    "lost": ("lost", "X", "The package could not be located. A claim may be filed."),
}
_EN_DHL = {
    **_EN_UPS,
    "label": ("pre_transit", "PU", "Shipment information received"),
    "pickup": ("in_transit", "PU", "Shipment picked up"),
}
_SV_POSTNORD = {
    "label": ("pre_transit", "EDI_RECEIVED", "Försändelsen är förregistrerad hos PostNord."),
    "pickup": ("in_transit", "HANDED_IN", "Försändelsen har lämnats in hos PostNord."),
    "hub": ("in_transit", "SORTED", "Försändelsen har sorterats på terminal."),
    "dest": ("in_transit", "ARRIVED", "Försändelsen har ankommit till terminal."),
    "out": ("out_for_delivery", "OUT_FOR_DELIVERY", "Försändelsen är ute för utdelning."),
    "delivered": ("delivered", "DELIVERED", "Försändelsen har levererats."),
    "failed": (
        "delivery_failed",
        "DELIVERY_FAILED",
        "Leveransen misslyckades, mottagaren var inte anträffbar.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "AVAILABLE_FOR_PICKUP",
        "Försändelsen finns att hämta hos ditt ombud.",
    ),
    "exception": ("exception", "DAMAGED", "Försändelsen har skadats och packas om."),
    "returned": (
        "returned_to_sender",
        "RETURNED",
        "Försändelsen har inte hämtats ut och returneras till avsändaren.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RETURNED",
        "Okänd mottagare på adressen. Försändelsen returneras till avsändaren.",
    ),
    "lost": ("lost", "LOST", "Försändelsen har inte kunnat spåras. Eftersökningen är avslutad."),
}
_EN_BRING = {
    "label": ("pre_transit", "PRE_NOTIFIED", "The shipment has been pre-notified."),
    "pickup": ("in_transit", "HANDED_IN", "The shipment has been handed in at the terminal."),
    "hub": ("in_transit", "IN_TRANSIT", "The shipment has departed from the terminal."),
    "dest": ("in_transit", "IN_TRANSIT", "The shipment has arrived at the terminal."),
    "out": ("out_for_delivery", "TRANSPORT_TO_RECIPIENT", "The shipment is on its way to the recipient."),
    "delivered": ("delivered", "DELIVERED", "The shipment has been delivered."),
    "failed": (
        "delivery_failed",
        "ATTEMPTED_DELIVERY",
        "Delivery attempt failed: the recipient was not at home.",
    ),
    "pickup_point": (
        "available_for_pickup",
        "READY_FOR_PICKUP",
        "The shipment is ready for pick-up at the pickup point.",
    ),
    "exception": ("exception", "DEVIATION", "The shipment has been damaged."),
    "returned": (
        "returned_to_sender",
        "RETURN",
        "The shipment was not collected and is being returned to the sender.",
    ),
    "unknown_address": (
        "returned_to_sender",
        "RETURN",
        "Unknown recipient at the address. Returned to the sender.",
    ),
    "lost": ("lost", "DEVIATION", "The shipment could not be found."),
}
STEP_TEXTS = {
    ("dhl", DE_SHOP): _DE_DHL,
    ("dpd", DE_SHOP): _DE_DPD,
    ("hermes", DE_SHOP): _DE_HERMES,
    ("ups", DE_SHOP): _EN_UPS,
    ("postnord", SE_SHOP): _SV_POSTNORD,
    ("bring", SE_SHOP): _EN_BRING,
    ("dhl", SE_SHOP): _EN_DHL,
    ("ups", SE_SHOP): _EN_UPS,
}
HUBS = {
    "dhl": "Paketzentrum Bielefeld",
    "dpd": "Depot Bielefeld",
    "hermes": "Logistikzentrum Löhne",
    "ups": "Herford, DE",
    "postnord": "Terminal Gävle",
    "bring": "Terminal Stockholm",
}
DROP_PLACES = {
    "de": ["Haustür", "Briefkasten", "Nachbar", "Ablageort Garage", "Packstation", "Filiale"],
    "sv": ["Ombud", "Brevlåda", "Utanför dörren", "Paketskåp"],
    "en": ["Front door", "Reception", "Neighbour", "Parcel locker"],
}
SERVICES = {
    "dhl": (("DHL Paket", "DHL Paket International"), "DHL Express"),
    "dpd": (("DPD Classic", "DPD Classic"), "DPD Express"),
    "hermes": (("Hermes Paket", "Hermes Paket"), "Hermes Paket"),
    "ups": (("UPS Standard", "UPS Standard"), "UPS Express Saver"),
    "postnord": (("MyPack Collect", "Postpaket"), "MyPack Home Express"),
    "bring": (("PickUp Parcel", "PickUp Parcel"), "Home Delivery Parcel"),
}


# --- the plan for one order ------------------------------------------------------


@dataclass
class DemoBuyer:
    language: str
    first: str
    last: str
    country: str
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class DemoOrder:
    shop: str
    placed_at: datetime
    buyer: DemoBuyer
    lines: list[tuple[Product, int, list[dict]]]
    story: str = "random"  # how the parcel's way ends: delivered, stalled, returned, ...
    speed: str = "standard"
    needed_by: date | None = None
    payment_method: str = ""
    carrier: str = ""
    drop_place: str = ""
    packed_weight_g: int | None = None
    note: str = ""
    number: str = ""
    payload: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)


def _ascii(text: str) -> str:
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("å", "a").replace("'", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


class Generator:
    """Builds the demo orders. One instance per run; every draw comes from `self.rng`."""

    def __init__(self, *, anchor: datetime, seed: int = SEED):
        self.anchor = anchor.replace(second=0, microsecond=0)
        self.rng = random.Random(seed)
        self.used_tracking: set[str] = set()

    # buyers

    def buyer(self, shop: str, language: str | None = None, **fixed) -> DemoBuyer:
        rng = self.rng
        language = language or _pick(rng, BUYER_MIX[shop])
        buyer = DemoBuyer(
            language=language,
            first=fixed.get("first") or rng.choice(FIRST[language]),
            last=fixed.get("last") or rng.choice(LAST[language]),
            country=fixed.get("country") or _pick(rng, COUNTRIES[(shop, language)]),
        )
        host = fixed.get("host") or rng.choice(MAIL_HOSTS[language])
        buyer.email = f"{_ascii(buyer.first)}.{_ascii(buyer.last)}@{host}".replace(" ", "")
        return buyer

    def buyer_pool(self, shop: str, size: int) -> list[DemoBuyer]:
        pool = {}
        while len(pool) < size:
            buyer = self.buyer(shop)
            pool.setdefault(buyer.email, buyer)
        return list(pool.values())

    # lines

    def monogram(self, shop: str, buyer: DemoBuyer) -> list[dict]:
        # Traditional three-letter monogram: first name, surname, middle initial of a partner or family.
        letters = f"{buyer.first[0]}{buyer.last[0]}{self.rng.choice('ABDEHJKLMNRSTW')}".upper()
        monogram_label, colour_label = MONOGRAM_LABELS[shop]
        return [
            {"label": monogram_label, "value": letters},
            {"label": colour_label, "value": self.rng.choice(THREAD_COLOURS[shop])},
        ]

    def lines(self, shop: str, buyer: DemoBuyer) -> list[tuple[Product, int, list[dict]]]:
        rng = self.rng
        products = PRODUCTS[shop]
        chosen: dict[str, Product] = {}
        for _ in range(_pick(rng, [(1, 55), (2, 30), (3, 15)])):
            product = rng.choices(products, weights=[KIND_WEIGHT[p.kind] for p in products])[0]
            chosen[product.sku] = product
        result = []
        for product in chosen.values():
            quantity = rng.randint(1, MAX_QUANTITY[product.kind])
            personalisation = self.monogram(shop, buyer) if product.monogram else []
            result.append((product, quantity, personalisation))
        return result

    # shipping

    def carrier_for(self, shop: str, country: str, speed: str) -> str:
        if speed != "standard":
            return _pick(self.rng, [("ups", 70), ("dpd" if shop == DE_SHOP else "dhl", 30)])
        domestic = country == ORIGIN[shop][1]
        if shop == DE_SHOP:
            if domestic:
                return _pick(self.rng, [("dhl", 60), ("dpd", 20), ("hermes", 20)])
            if country in ("AT", "CH", "NL"):
                return _pick(self.rng, [("dhl", 70), ("dpd", 30)])
            return _pick(self.rng, [("dhl", 50), ("ups", 50)])
        if domestic:
            return _pick(self.rng, [("postnord", 70), ("dhl", 15), ("bring", 15)])
        if country == "NO":
            return _pick(self.rng, [("bring", 80), ("postnord", 20)])
        if country in ("FI", "DK"):
            return "postnord"
        return _pick(self.rng, [("dhl", 50), ("ups", 50)])

    def tracking_number(self, carrier: str, shop: str) -> str:
        rng = self.rng
        while True:
            number = {
                "dhl": lambda: f"00340434{rng.randrange(10**12):012d}",
                "dpd": lambda: f"0150{rng.randrange(10**10):010d}",
                "hermes": lambda: f"H100{rng.randrange(10**16):016d}",
                "postnord": lambda: f"00373500{rng.randrange(10**12):012d}",
                "bring": lambda: f"70438101{rng.randrange(10**9):09d}",
                "ups": lambda: f"1Z{'A9V237' if shop == DE_SHOP else 'W25R47'}68{rng.randrange(10**8):08d}",
            }[carrier]()
            if number not in self.used_tracking:
                self.used_tracking.add(number)
                return number

    def transit_days(self, carrier: str, domestic: bool, speed: str) -> int:
        if speed != "standard":
            return 1 if domestic else 2
        low, high = (1, 2) if domestic else (3, 5)
        if carrier == "hermes":
            high += 1
        return self.rng.randint(low, high)

    # orders

    def random_order(self, shop: str, pool: list[DemoBuyer]) -> DemoOrder:
        rng = self.rng
        # Regulars order again: the first tenth of the pool is drawn far more often.
        regulars = pool[: max(1, len(pool) // 10)]
        buyer = rng.choice(regulars) if rng.random() < 0.25 else rng.choice(pool)
        # More orders lately than three months ago: the shop is growing.
        age = timedelta(days=DAYS * (1 - rng.random() ** 0.8), minutes=rng.randint(0, 600))
        placed_at = (self.anchor - age).replace(hour=rng.randint(6, 22), second=0, microsecond=0)
        if placed_at > self.anchor:
            placed_at -= timedelta(days=1)
        order = DemoOrder(shop=shop, placed_at=placed_at, buyer=buyer, lines=self.lines(shop, buyer))
        order.speed = _pick(rng, [("standard", 92), ("express", 6), ("next_day", 2)])
        if rng.random() < 0.06:
            # A christening, a birthday, midsummer: the buyer says when it must be there.
            order.needed_by = (placed_at + timedelta(days=rng.randint(7, 21))).date()
        return order

    def stories(self) -> list[DemoOrder]:
        """The orders the seeds talk about, placed where a demo shows them best."""
        a = self.anchor
        napkins = PRODUCTS[DE_SHOP][0]
        handkerchiefs_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "TT-MONO-3")
        mono_napkins_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "SRV-MONO-12")
        damask = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "TD-DAM-160-320")
        tea_towels = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "GT-HL-3-RK")
        bed_de = next(p for p in PRODUCTS[DE_SHOP] if p.sku == "BW-155-220-GR")
        se = {p.sku: p for p in PRODUCTS[SE_SHOP]}

        sabine = self.buyer(DE_SHOP, "de", first="Sabine", last="Kröger", country="DE", host="web.example")
        frank = self.buyer(DE_SHOP, "de", first="Frank", last="Lehmann", country="DE", host="gmx.example")
        johanna = self.buyer(DE_SHOP, "de", first="Johanna", last="Brandt", country="DE")
        margaret = self.buyer(DE_SHOP, "en", first="Margaret", last="Whitfield", country="GB")
        katrin = self.buyer(DE_SHOP, "de", first="Katrin", last="Vogel", country="DE")
        thomas = self.buyer(DE_SHOP, "de", first="Thomas", last="Richter", country="DE")
        lena = self.buyer(SE_SHOP, "sv", first="Lena", last="Holm", country="SE", host="telia.example")
        rebecca = self.buyer(SE_SHOP, "en", first="Rebecca", last="Hughes", country="GB", host="mail.example")
        ingrid = self.buyer(SE_SHOP, "sv", first="Ingrid", last="Sjöberg", country="SE")
        ingvild = self.buyer(SE_SHOP, "en", first="Ingvild", last="Haugen", country="NO")
        astrid = self.buyer(SE_SHOP, "sv", first="Astrid", last="Öberg", country="SE")
        magnus = self.buyer(SE_SHOP, "sv", first="Magnus", last="Lindqvist", country="SE")

        def at(days: float, hour: int = 10) -> datetime:
            return (a - timedelta(days=days)).replace(hour=hour, minute=12, second=0)

        mono = self.monogram
        return [
            # 002 #1: four dozen napkins by next-day air, "only three arrived"; the parcel weighed 2.4 kg.
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
            # 002 #2: handkerchiefs for a wedding; the parcel has not moved for over a week.
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
            # 002 #4: a personal cheque on a rush order; the cheque has not cleared.
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
            # 002 #5: the monogram exactly as typed, lower case and reversed, comes back as a claim.
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

    def build(self, *, per_shop: dict[str, int]) -> list[DemoOrder]:
        orders = self.stories()
        for shop, count in per_shop.items():
            pool = self.buyer_pool(shop, max(20, count))
            orders += [self.random_order(shop, pool) for _ in range(count)]
        for shop, prefix, first in ((DE_SHOP, "LL-", 24101), (SE_SHOP, "LS-", 5301)):
            mine = sorted((o for o in orders if o.shop == shop), key=lambda o: o.placed_at)
            for index, order in enumerate(mine):
                order.number = f"{prefix}{first + index}"
        for order in orders:
            self.complete(order)
        return orders

    def complete(self, order: DemoOrder) -> None:
        """Fill in payment, address, shipment and the tracking story of one order."""
        rng, shop, buyer = self.rng, order.shop, order.buyer
        subtotal = sum((p.price * q for p, q, _ in order.lines), Decimal("0"))
        fee, free_from = SHIPPING_FEE[shop]
        shipping = Decimal("0") if subtotal >= free_from else fee
        if order.speed != "standard":
            shipping += fee * 3
        total = subtotal + shipping
        tax = (total * VAT[shop] / (1 + VAT[shop])).quantize(CENT, ROUND_HALF_UP)
        postal_code, city = rng.choice(CITIES[buyer.country])
        street_style = STREET_STYLE.get(buyer.country, "en")
        house = rng.randint(1, 88)
        line1 = (
            f"{house} {rng.choice(STREETS['en'])}"
            if street_style == "en"
            else f"{rng.choice(STREETS[street_style])} {house}"
        )
        order.payload = {
            "shop": shop,
            "number": order.number,
            "placed_at": order.placed_at,
            "currency": SHOPS[shop]["currency"],
            "subtotal": subtotal.quantize(CENT),
            "shipping_total": shipping.quantize(CENT),
            "tax_total": tax,
            "total": total.quantize(CENT),
            "sales_channel": _pick(rng, [("web", 75), ("etsy", 15), ("amazon", 7), ("phone", 3)]),
            "shipping_address": {
                "name": buyer.name,
                "line1": line1,
                "postal_code": postal_code,
                "city": city,
                "country": buyer.country,
            },
            "needed_by": order.needed_by,
            "shipping_speed": order.speed,
            "buyer": {"email": buyer.email, "name": buyer.name, "language": buyer.language},
            "lines": [
                {
                    "sku": product.sku,
                    "title": product.title,
                    "quantity": quantity,
                    "unit_price": product.price,
                    "unit_weight_g": product.weight_g,
                    "personalisation": personalisation,
                }
                for product, quantity, personalisation in order.lines
            ],
            "payment": self.payment(order, total.quantize(CENT)),
            "shipments": [],
        }
        self.ship(order, city, total)

    def payment(self, order: DemoOrder, total: Decimal) -> dict:
        rng = self.rng
        if order.payment_method == "personal_cheque":
            return {
                "method": "personal_cheque",
                "status": "pending",
                "amount": total,
                "reference": f"CHQ-{order.number}",
                "cleared_at": None,
            }
        weights = (
            [("card", 35), ("paypal", 35), ("invoice", 15), ("bank_transfer", 14), ("money_order", 1)]
            if order.shop == DE_SHOP
            else [("card", 50), ("invoice", 32), ("paypal", 15), ("bank_transfer", 3)]
        )
        method = _pick(rng, weights)
        # Invoices are paid within two weeks, transfers within days; until then they are pending.
        wait = {"invoice": rng.uniform(5, 14), "bank_transfer": rng.uniform(1, 3), "money_order": 6}.get(
            method, rng.uniform(0, 0.01)
        )
        cleared_at = order.placed_at + timedelta(days=wait)
        paid = cleared_at <= self.anchor
        reference = {
            "card": f"ch_{rng.randrange(16**24):024x}",
            "paypal": f"PAYID-{rng.randrange(16**24):024X}",
            "invoice": f"RE-{order.number}",
            "bank_transfer": f"SEPA-{order.number}" if order.shop == DE_SHOP else f"BG-{order.number}",
            "money_order": f"MO-{order.number}",
        }[method]
        return {
            "method": method,
            "status": "paid" if paid else "pending",
            "amount": total,
            "reference": reference,
            "cleared_at": cleared_at.replace(microsecond=0) if paid else None,
        }

    def ship(self, order: DemoOrder, city: str, total: Decimal) -> None:
        rng, shop, buyer = self.rng, order.shop, order.buyer
        if order.story == "unshipped":
            return
        shipped_at = order.placed_at + timedelta(hours=rng.randint(14, 40))
        shipped_at = shipped_at.replace(hour=rng.randint(14, 17), minute=rng.randint(0, 59))
        if order.story != "random":
            shipped_at = (order.placed_at + timedelta(days=1)).replace(hour=15, minute=30)
        if shipped_at > self.anchor:
            return  # still being packed
        domestic = buyer.country == ORIGIN[shop][1]
        carrier = order.carrier or self.carrier_for(shop, buyer.country, order.speed)
        regular, express = SERVICES[carrier]
        goods_g = sum(p.weight_g * q for p, q, _ in order.lines)
        # Box, tissue paper and tape, plus the scale's own noise.
        packed = order.packed_weight_g or goods_g + rng.randint(180, 320)
        days = self.transit_days(carrier, domestic, order.speed)
        signature = total >= SIGNATURE_ABOVE[shop] or order.speed == "next_day"
        tracking = self.tracking_number(carrier, shop)
        order.payload["shipments"] = [
            {
                "carrier": carrier,
                "service": express if order.speed != "standard" else regular[0 if domestic else 1],
                "tracking_number": tracking,
                "shipped_at": shipped_at,
                "packed_weight_g": packed,
                "insured_value": total.quantize(CENT) if signature else None,
                "signature_required": signature,
                "estimated_delivery": (shipped_at + timedelta(days=days)).date(),
            }
        ]
        order.events = self.events(order, carrier, tracking, shipped_at, days, city, signature)

    def events(self, order, carrier, tracking, shipped_at, days, city, signature) -> list[dict]:
        rng, shop = self.rng, order.shop
        story = order.story
        if story == "random":
            age = (self.anchor - shipped_at).days
            if 10 <= age <= 25 and rng.random() < 0.08:
                story = "stalled"
            elif age >= 12 and rng.random() < 0.025:
                story = "returned"
            elif age >= 30 and rng.random() < 0.01:
                story = "lost"
            elif 2 <= age < 10 and rng.random() < 0.12:
                story = "failed"
            elif 2 <= age < 10 and rng.random() < 0.12:
                story = "pickup_point"
            elif rng.random() < 0.015:
                story = "exception"
            else:
                story = "delivered"
        dest = f"{city}, {order.buyer.country}"
        start = shipped_at - timedelta(hours=rng.randint(2, 5))
        t_out = shipped_at + timedelta(days=days)
        t_out = t_out.replace(hour=rng.randint(6, 8), minute=rng.randint(0, 59))
        path = [
            ("label", start, ORIGIN[shop][0]),
            ("pickup", shipped_at, ORIGIN[shop][0]),
            ("hub", shipped_at + timedelta(hours=rng.randint(4, 9)), HUBS[carrier]),
            ("dest", t_out - timedelta(hours=rng.randint(3, 6)), dest),
        ]
        deliver_at = t_out + timedelta(hours=rng.randint(2, 7), minutes=rng.randint(0, 59))
        if story == "stalled":
            # The last scan is over a week old and nothing follows (seed 002 #2).
            path = path[:3]
            if order.story == "stalled":
                last_scan = self.anchor - timedelta(days=rng.randint(8, 12), hours=rng.randint(0, 9))
                path[2] = ("hub", max(last_scan, shipped_at + timedelta(hours=5)), HUBS[carrier])
        elif story == "lost":
            path = path[:3] + [("lost", path[2][1] + timedelta(days=rng.randint(21, 28)), HUBS[carrier])]
        elif story == "pickup_point":
            path += [("pickup_point", deliver_at, dest)]
        elif story in ("returned", "failed"):
            path += [("out", t_out, dest), ("failed", deliver_at, dest)]
            if story == "returned":
                # Not collected from the pickup point within the carrier's seven days.
                path += [
                    ("pickup_point", deliver_at + timedelta(hours=3), dest),
                    ("returned", deliver_at + timedelta(days=8), dest),
                ]
        elif story == "unknown_address":
            path += [("out", t_out, dest), ("unknown_address", deliver_at, dest)]
        elif story == "exception":
            path += [("exception", path[3][1] + timedelta(hours=1), dest)]
        else:
            path += [("out", t_out, dest), ("delivered", deliver_at, dest)]

        texts = STEP_TEXTS[(carrier, shop)]
        events = []
        for index, (step, occurred_at, location) in enumerate(path):
            if occurred_at > self.anchor:
                break  # the parcel is still on its way
            status, code, description = texts[step]
            event = {
                "carrier": carrier,
                "tracking_number": tracking,
                "event_id": f"{tracking}-{index}",
                "occurred_at": occurred_at.replace(microsecond=0),
                "status": status,
                "carrier_status": code,
                "description": description,
                "location": location,
            }
            if step == "delivered":
                event.update(self.delivery(order, carrier, dest, signature))
            events.append(event)
        return events

    def delivery(self, order: DemoOrder, carrier: str, dest: str, signature: bool) -> dict:
        rng = self.rng
        language = {"DE": "de", "AT": "de", "CH": "de", "SE": "sv", "FI": "sv"}.get(order.buyer.country, "en")
        place = order.drop_place or rng.choice(DROP_PLACES[language])
        signed_by = ""
        if place in ("Nachbar", "Neighbour"):
            neighbour = rng.choice(LAST["de" if language == "de" else "en"])
            place = f"{place} ({neighbour})"
            signed_by = neighbour
        elif signature or rng.random() < 0.15:
            signed_by = order.buyer.last.upper() if carrier == "ups" else order.buyer.last
        return {"location": f"{place}, {dest}", "signed_by": signed_by}


# --- loading --------------------------------------------------------------------


def setup_carriers() -> dict[str, Carrier]:
    carriers = {}
    for code, (name, url) in CARRIERS.items():
        carrier, created = Carrier.objects.get_or_create(
            code=code, defaults={"name": name, "tracking_url": url}
        )
        if not created and not carrier.tracking_url:
            # Created earlier by an order feed that only knew the code.
            carrier.name, carrier.tracking_url = name, url
            carrier.save(update_fields=["name", "tracking_url"])
        carriers[code] = carrier
    return carriers


def setup_shops(carriers: dict[str, Carrier]) -> dict[str, Shop]:
    shop_fields = {f.name for f in Shop._meta.get_fields()}
    shops = {}
    for slug, spec in SHOPS.items():
        defaults = {key: value for key, value in spec.items() if key != "carriers" and key in shop_fields}
        shop, _ = Shop.objects.get_or_create(slug=slug, defaults=defaults)
        shop.carriers.add(*(carriers[code] for code in spec["carriers"]))
        shops[slug] = shop
    return shops


def setup_users() -> dict[str, User]:
    users = {}
    for username, group_name, staff in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
        if created:
            user.set_password(username)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group_name))
        users[username] = user
    return users


@transaction.atomic
def load_orders(chunk: list[DemoOrder], *, author: User) -> int:
    """Upsert a chunk of orders and ingest their tracking; returns the number of events stored."""
    # The API's serializers check the demo like any shop feed, so the demo cannot drift from the API.
    orders = OrderInSerializer(data=[o.payload for o in chunk], many=True)
    orders.is_valid(raise_exception=True)
    results = services.orders_upsert(items=orders.validated_data)
    events = [event for o in chunk for event in o.events]
    stored = 0
    if events:
        tracking = TrackingEventInSerializer(data=events, many=True)
        tracking.is_valid(raise_exception=True)
        stored = services.tracking_events_ingest(events=tracking.validated_data, source=SOURCE).accepted
    by_number = {(r.order.shop.slug, r.order.number): r for r in results}
    for demo_order in chunk:
        result = by_number[(demo_order.shop, demo_order.number)]
        if demo_order.note and result.created:
            services.order_note_add(order=result.order, author=author, body=demo_order.note)
    return stored


def missing_orders(orders: list[DemoOrder]) -> list[DemoOrder]:
    """The demo orders not in the database yet: a second run only tops up."""
    existing = set(Order.objects.filter(shop__slug__in=SHOPS).values_list("shop__slug", "number"))
    return [o for o in orders if (o.shop, o.number) not in existing]


def flag_buyers(*, by: User) -> int:
    flagged = 0
    # risk_set_at stays empty until someone decides: then the owner's word counts, not the demo's.
    for buyer in Buyer.objects.filter(shop__slug__in=SHOPS, email__in=FLAGS, risk_set_at__isnull=True):
        flag, reason = FLAGS[buyer.email]
        services.buyer_set_risk(buyer=buyer, flag=flag, reason=reason, by=by)
        flagged += 1
    return flagged


def owner_token(user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
