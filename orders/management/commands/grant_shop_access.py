"""`manage.py grant_shop_access USER SHOP --role agent|owner|integration`: provisioning for scripts.

Safe to run again; exits with status 1 and says why when it cannot grant.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orders.models import Role
from orders.services import membership_grant

from ._access import user_and_shop


class Command(BaseCommand):
    help = (
        "Make a user a member of a shop: they see and act in it (owner, agent) or push to it (integration)."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="the user name")
        parser.add_argument("shop", help="the shop's slug")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, user, shop, role, **options):
        user, shop = user_and_shop(user, shop)
        try:
            membership = membership_grant(user=user, shop=shop, role=role)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{user.get_username()} is {membership.role} of {shop.name} ({shop.slug}).")
