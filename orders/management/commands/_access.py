"""What grant_shop_access and revoke_shop_access share: the user and the shop their arguments name."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from orders.models import Shop


def user_and_shop(username: str, slug: str):
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        raise CommandError(f"No shop with slug {slug!r}.")
    return user, shop
