"""The name and signature an agent writes to one shop's buyers with (`rendering.agent_signoff` reads them)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orders import tenancy
from orders.models import Shop

from ..models import AgentSignature

log = logging.getLogger("postsale.messaging")


@transaction.atomic
def agent_signature_set(
    *, user, shop: Shop, language: str, display_name: str, signature: str = ""
) -> AgentSignature | None:
    """Set how `user` signs mail to `shop`'s buyers in `language` ("" for every language).

    An empty name removes the signature: the buyer then reads the user's full name, or the
    shop's team. Only a member of the shop signs for it.
    """
    if not tenancy.is_member(user, shop):
        raise PermissionDenied(_("You do not work for this shop."))
    display_name, signature = display_name.strip(), signature.strip()
    if not display_name:
        AgentSignature.objects.filter(user=user, shop=shop, language=language).delete()
        log.info("%s signs mail of shop %s (%s) with their name again", user, shop.slug, language or "*")
        return None
    if display_name.lower() == user.get_username().lower() and not user.get_full_name():
        # A login name like "agent" tells the buyer nothing: the reason this setting exists.
        raise ValidationError(
            {"display_name": [_("Write the name the buyer should read, not your login name.")]}
        )
    row, _created = AgentSignature.objects.update_or_create(
        user=user,
        shop=shop,
        language=language,
        defaults={"display_name": display_name, "signature": signature},
    )
    log.info("%s signs mail of shop %s (%s) as %r", user, shop.slug, language or "*", display_name)
    return row
