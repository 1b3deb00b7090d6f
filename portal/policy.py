"""The public return policy page of a shop, in German, Swedish or English."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from orders.models import Shop
from returns import selectors
from returns.models import Condition

from .language import page_language


@require_GET
def policy_view(request, shop):
    shop = get_object_or_404(Shop, slug=shop)
    policy = selectors.policy_or_default(shop)
    # As in the portal: ?lang= (a link in a German e-mail), the cookie, the browser, else the shop's language.
    language, _remember = page_language(request, shop)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        restocking = [
            (Condition(condition).label, policy.restocking_percent(condition))
            for condition in Condition.values
        ]
        response = render(
            request,
            "portal/policy.html",
            {
                "shop": shop,
                "policy": policy,
                "restocking": restocking,
                "any_restocking": any(percent for _label, percent in restocking),
                "packing_steps": selectors.packing_steps(policy, language=language),
                "pickup_kg": policy.pickup_weight_threshold_g / 1000,
                "languages": settings.LANGUAGES,
                "current_language": language,
            },
        )
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response
