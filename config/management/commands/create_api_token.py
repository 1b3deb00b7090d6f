"""`manage.py create_api_token USER [--days N]`: a new API token, printed once, for scripts."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.api_tokens import MAX_DAYS, api_token_create


class Command(BaseCommand):
    help = (
        "Print a new API token for USER (only its hash is stored, so this is the one time it is shown). "
        "It expires after --days days."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"days until it expires, 1 to {MAX_DAYS} (default POSTSALE_API_TOKEN_DAYS, "
            f"now {settings.POSTSALE_API_TOKEN_DAYS})",
        )
        parser.add_argument("-r", "--reset", action="store_true", help="revoke the user's other tokens first")

    def handle(self, *args, username, days, reset, **options):
        if days is not None and not 1 <= days <= MAX_DAYS:
            # A token that never expires is the one nobody remembers to revoke.
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        if not user.is_active:
            raise CommandError(f"{username} is not active.")
        if reset:
            user.auth_token_set.all().delete()
        auth_token, token = api_token_create(user=user, days=days)
        self.stdout.write(token)
        self.stderr.write(f"API token for {username}, valid until {auth_token.expiry:%Y-%m-%d %H:%M %Z}.")
