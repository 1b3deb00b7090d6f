"""System checks of the messaging app: the ESP's webhooks must refuse strangers before the site goes public."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .esp import configured_esp, protection_problem


@register(Tags.security)
def esp_webhooks_refuse_strangers(app_configs, **kwargs):
    """With DEBUG off, the configured ESP's webhook needs its shared secret (or the ESP's signing key).

    Without it anyone can post a reply into a buyer's case or mark our e-mails as bounced.
    No ESP configured means no webhook is mounted, and nothing to lock.
    """
    name = configured_esp()
    if settings.DEBUG or not name:
        return []
    problem = protection_problem(name)
    if not problem:
        return []
    return [
        Error(
            problem,
            hint="Set ANYMAIL_WEBHOOK_SECRET=user:<16+ random characters> and put the same user:password into "
            "the webhook URLs you give the ESP (https://user:password@your-host/anymail/<esp>/inbound/). "
            "See README, 'Running it in public', 'Inbound mail'.",
            id="messaging.E001",
        )
    ]
