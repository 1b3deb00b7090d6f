from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ...models import InboundEvent, InboundStatus, Source
from ...services import inbound_event_process

BATCH = 500


class Command(BaseCommand):
    help = "Process stored webhook events of one source again, from a date on (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=Source.values)
        parser.add_argument("--since", required=True, help="YYYY-MM-DD or an ISO date and time")
        parser.add_argument("--shop", default=None, help="only this shop's events")
        parser.add_argument("--limit", type=int, default=None, help="at most this many events")

    def handle(self, *args, source, since, shop, limit, **options):
        moment = parse_datetime(since)
        if moment is None:
            day = parse_date(since)
            if day is None:
                raise CommandError(f"--since {since!r} is not a date.")
            moment = datetime.combine(day, time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        events = InboundEvent.objects.filter(source=source, received_at__gte=moment).order_by(
            "received_at", "id"
        )
        if shop:
            events = events.filter(shop__slug=shop)
        ids = list(
            events.values_list("pk", flat=True)[:limit] if limit else events.values_list("pk", flat=True)
        )
        counts = {status: 0 for status in InboundStatus.values}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            # Mark the chunk as received again, then process in arrival order; the
            # services are idempotent, and an older copy of an order stays ignored.
            InboundEvent.objects.filter(pk__in=chunk).update(status=InboundStatus.RECEIVED, error="")
            for pk in chunk:
                event = inbound_event_process(event_id=pk)
                if event is not None:
                    counts[event.status] += 1
        summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        self.stdout.write(
            f"Replayed {len(ids)} {source} event(s) since {moment:%Y-%m-%d %H:%M}: {summary or 'none'}."
        )
