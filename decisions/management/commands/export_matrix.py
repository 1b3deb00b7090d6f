import json

from django.core.management.base import BaseCommand, CommandError

from decisions import services
from decisions.models import DecisionMatrix
from orders.models import Shop


class Command(BaseCommand):
    help = "Print a shop's decision matrix as JSON (the active one unless --matrix-version is given)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="shop slug")
        parser.add_argument(
            "--matrix-version", dest="matrix_version", type=int, help="matrix version (default: active)"
        )

    def handle(self, *args, shop, matrix_version=None, **options):
        try:
            shop = Shop.objects.get(slug=shop)
        except Shop.DoesNotExist as exc:
            raise CommandError(f"No shop with slug {shop!r}.") from exc
        if matrix_version is None:
            matrix = services.active_matrix(shop)
        else:
            matrix = DecisionMatrix.objects.filter(shop=shop, version=matrix_version).first()
            if matrix is None:
                raise CommandError(f"Shop {shop.slug!r} has no matrix version {matrix_version}.")
        self.stdout.write(json.dumps(services.matrix_export(matrix), indent=2, ensure_ascii=False))
