"""configure_integration: an owner connects a provider from the command line."""

import io

from django.core.management import call_command

from integrations.models import Integration

from .shopify import SECRET


def test_configure_integration_prints_the_url_to_paste(shop, settings):
    settings.SITE_URL = "https://postsale.example"
    out = io.StringIO()

    call_command("configure_integration", shop=shop.slug, source="shopify", secret=SECRET, stdout=out)

    assert "https://postsale.example/hooks/shopify/leinen/" in out.getvalue()
    assert Integration.objects.get(shop=shop, source="shopify").signing_secret == SECRET


def test_configure_integration_again_replaces_the_secret(shop):
    call_command(
        "configure_integration", shop=shop.slug, source="aftership", secret="old", stdout=io.StringIO()
    )
    call_command(
        "configure_integration", shop=shop.slug, source="aftership", secret="new", stdout=io.StringIO()
    )

    assert Integration.objects.get(shop=shop, source="aftership").signing_secret == "new"
