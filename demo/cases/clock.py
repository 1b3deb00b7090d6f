"""Moves a demo case's timestamps back to the days its story tells of."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from django.utils import timezone

from cases.models import Case, CaseEvent, Refund
from claims.models import CarrierClaim, Claim, PlaybookStep, Resolution
from decisions.models import DecisionRecord
from messaging.models import OutboundMessage
from returns.models import ReturnRequest


class Clock:
    """When a story's steps are told to have happened.

    The services stamp everything with the real time. `at(moment)` before a step
    notes the real time it starts and the moment it stands for; `backdate` then
    moves every stamp of the case by the difference of the step it was made in.
    Steps happen in the shop's office hours, and a step that would lie in the
    future is not played (`allows`).
    """

    def __init__(self, *, now, zone):
        self.now = now
        self.zone = zone
        self.marks: list[tuple[datetime, datetime]] = []

    def office_hours(self, moment) -> datetime:
        local = timezone.localtime(moment, self.zone)
        if local.hour < 8:
            local = local.replace(hour=8)
        elif local.hour >= 18:
            local = (local + timedelta(days=1)).replace(hour=8)
        return local

    def allows(self, moment) -> bool:
        return self.office_hours(moment) < self.now - timedelta(minutes=30)

    def at(self, moment) -> None:
        moment = self.office_hours(moment)
        if self.marks and moment <= self.last:
            moment = self.last + timedelta(minutes=5)
        self.marks.append((timezone.now(), min(moment, self.now - timedelta(minutes=1))))

    @property
    def last(self) -> datetime:
        return self.marks[-1][1]

    def _shift(self, stamp) -> timedelta:
        index = max(bisect.bisect_right([real for real, _ in self.marks], stamp) - 1, 0)
        real, told = self.marks[index]
        return told - real

    def backdate(self, case) -> None:
        # (rows, stamps made at the moment of a step, stamps set from another one: field -> its base)
        tables = [
            (
                Case.objects.filter(pk=case.pk),
                ["opened_at", "updated_at", "first_responded_at", "resolved_at", "closed_at"],
                {"first_response_due": "opened_at", "resolution_due": "opened_at"},
            ),
            (CaseEvent.objects.filter(case=case), ["at"], {}),
            (Claim.objects.filter(case=case), ["created_at", "evidence_computed_at"], {}),
            (PlaybookStep.objects.filter(claim__case=case), ["done_at"], {}),
            (DecisionRecord.objects.filter(case=case), ["created_at", "overridden_at"], {}),
            (Resolution.objects.filter(case=case), ["created_at"], {}),
            (
                Refund.objects.filter(case=case),
                ["created_at", "completed_at"],
                {"expected_arrival": "created_at"},
            ),
            (
                CarrierClaim.objects.filter(claim__case=case),
                ["created_at", "filed_at"],
                {"deadline": "created_at"},
            ),
            (
                ReturnRequest.objects.filter(case=case),
                [
                    "created_at",
                    "updated_at",
                    "approved_at",
                    "label_issued_at",
                    "first_scan_at",
                    "received_at",
                    "inspected_at",
                    "closed_at",
                ],
                {"expires_at": "label_issued_at"},
            ),
            (
                OutboundMessage.objects.filter(case=case),
                ["created_at", "claimed_at", "sent_at", "delivered_at", "status_changed_at"],
                {"next_attempt_at": "created_at"},
            ),
        ]
        for rows, stamps, derived in tables:
            for row in rows.values("pk", *stamps, *derived):
                changes = {field: row[field] + self._shift(row[field]) for field in stamps if row[field]}
                for field, base in derived.items():
                    if row[field] and row[base]:
                        changes[field] = _moved(row[field], self._shift(row[base]))
                rows.model.objects.filter(pk=row["pk"]).update(**changes)


def _moved(value, offset: timedelta):
    if isinstance(value, datetime):
        return value + offset
    return value + timedelta(days=round(offset / timedelta(days=1)))  # a date
