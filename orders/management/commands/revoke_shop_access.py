"""`manage.py revoke_shop_access USER SHOP`: the user no longer sees or acts in the shop.

Their open cases in that shop go back to the queue unassigned. Revoking what
was never granted changes nothing and exits with status 0; an unknown user or
shop exits with status 1.
"""

from django.core.management.base import BaseCommand

from orders.services import membership_revoke

from ._access import user_and_shop


class Command(BaseCommand):
    help = "End a user's membership of a shop."

    def add_arguments(self, parser):
        parser.add_argument("user", help="the user name")
        parser.add_argument("shop", help="the shop's slug")

    def handle(self, *args, user, shop, **options):
        user, shop = user_and_shop(user, shop)
        if membership_revoke(user=user, shop=shop):
            self.stdout.write(f"{user.get_username()} is no longer a member of {shop.name} ({shop.slug}).")
        else:
            self.stdout.write(
                f"{user.get_username()} was not a member of {shop.name} ({shop.slug}); nothing to do."
            )
