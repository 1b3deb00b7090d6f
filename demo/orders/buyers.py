"""Who buys in the demo: names, mail hosts and addresses by language, and the buyers the owner has flagged."""

from __future__ import annotations

from orders.models import RiskFlag

from .shops import DE_SHOP, SE_SHOP

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

# The buyers the owner has flagged, with the reason in the owner's words: what an agent
# should know before believing the next "it never came" or "some were missing".
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
