import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from decisions import services
from orders.models import Shop


def describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "\n".join(
            f"  {where}: {message}" for where, messages in error.message_dict.items() for message in messages
        )
    return "\n".join(f"  {message}" for message in error.messages)


class Command(BaseCommand):
    help = "Read a matrix file (as export_matrix writes it) into a new draft of a shop, or activate it."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the JSON file, or - for standard input")
        parser.add_argument("--shop", required=True, help="shop slug")
        parser.add_argument("--activate", action="store_true", help="make the imported matrix the active one")
        parser.add_argument(
            "--force", action="store_true", help="import a file exported from another shop into this one"
        )

    def handle(self, *args, file, shop, activate=False, force=False, **options):
        try:
            shop = Shop.objects.get(slug=shop)
        except Shop.DoesNotExist as exc:
            raise CommandError(f"No shop with slug {shop!r}.") from exc
        try:
            if file == "-":
                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}.") from exc
        try:
            matrix = services.matrix_import(shop=shop, data=data, activate=activate, other_shop=force)
        except ValidationError as exc:
            raise CommandError(f"{file} was not imported:\n{describe(exc)}") from exc
        state = "active" if activate else "a draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(data['rules'])} rules as version {matrix.version} of {shop.slug}, {state}."
            )
        )
