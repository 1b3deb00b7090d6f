import pytest


@pytest.fixture
def english_shop(shop):
    """The shop, speaking English: the reasons of its default rules are stored in English."""
    shop.default_language = "en"
    shop.save(update_fields=["default_language"])
    return shop
