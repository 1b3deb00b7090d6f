"""Carrier names as shop systems write them land on the codes the PostNord and DHL pollers ask about."""

import pytest

from integrations.providers import carrier_for


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("PostNord Sverige AB", "postnord"),
        ("PostNord", "postnord"),
        ("postnord-sweden", "postnord"),
        ("Posten", "postnord"),
        ("DHL Intraship (DE)", "dhl"),
        ("DHL.se", "dhl"),
        ("DHL Parcel", "dhl"),
        ("DHL eCommerce", "dhl"),
        ("Deutsche Post DHL", "dhl"),
        ("Deutsche Post", "dhl"),
        ("dhl-germany", "dhl"),
        ("DHL Express", "dhl-express"),
        ("DHLExpress", "dhl-express"),
    ],
)
def test_postnord_and_dhl_names_land_on_the_polled_codes(name, code):
    assert carrier_for(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [("UPS", "ups"), ("Posten Norge", "posten-norge"), ("Bring", "bring"), ("", "other"), (None, "other")],
)
def test_other_carriers_keep_their_own_code(name, code):
    assert carrier_for(name) == code
