"""The demo's two linen shops, where they ship from, where returns go, and who logs in."""

from __future__ import annotations

from decimal import Decimal

from config.roles import AGENTS, OWNERS
from orders.models import Role

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
    # username (= demo password), group, role in both demo shops (an owner may use the admin), and
    # who they are: the owner's address receives the escalations and disputes in the mailbox.
    ("owner", OWNERS, Role.OWNER, ("Marlene", "Kessler", "marlene@leinen-liebe.example")),
    ("agent", AGENTS, Role.AGENT, ("Jonas", "Berg", "jonas@leinen-liebe.example")),
)


# VAT included in the prices; shipping fee and the subtotal from which shipping is free;
# the order total from which a parcel goes insured and with signature.
VAT = {DE_SHOP: Decimal("0.19"), SE_SHOP: Decimal("0.25")}
SHIPPING_FEE = {DE_SHOP: (Decimal("4.90"), Decimal("100")), SE_SHOP: (Decimal("79.00"), Decimal("1000"))}
SIGNATURE_ABOVE = {DE_SHOP: Decimal("150"), SE_SHOP: Decimal("1500")}
