from celery import shared_task

from . import services


@shared_task(acks_late=True)
def reprioritise_open_cases() -> int:
    return services.cases_reprioritise()
