"""What the cases API reads and answers; the views are in api.py."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.choices import ClaimType
from cases.models import Case, RefundStatus
from cases.verbs import Verb
from claims import services as claims
from claims.api import DecisionSummarySerializer, EvidenceField, decision_summary
from claims.models import CarrierClaimStatus
from claims.playbooks import playbook_for
from config.api import DecimalNumberField, UTCDateTimeField

# --- input ----------------------------------------------------------------------


class ReplacementSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=32)
    tracking_number = serializers.CharField(max_length=64)


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(claims.RESOLVE_ACTIONS))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    goods_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    shipping_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    goodwill = serializers.BooleanField(required=False, default=True)
    replacement = ReplacementSerializer(required=False)
    idempotency_key = serializers.CharField(max_length=100, required=False)


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, help_text="a user name, or null to unassign")


class RefundConfirmSerializer(serializers.Serializer):
    gateway_reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class CarrierClaimUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CarrierClaimStatus.choices)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    recovered_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    claimed_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="while a draft; at most the carrier's liability limit (or the insured value)",
    )


# --- output ---------------------------------------------------------------------


class CaseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class CaseBuyerSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()


class CaseListSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.slug")
    order = CaseOrderSerializer(allow_null=True)
    buyer = CaseBuyerSerializer(allow_null=True)
    assignee = serializers.CharField(source="assignee.username", default=None, allow_null=True)
    type = serializers.CharField(source="claim.type", default=None, allow_null=True)
    net_loss = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Case
        fields = [
            "reference",
            "kind",
            "type",
            "status",
            "priority",
            "shop",
            "order",
            "buyer",
            "assignee",
            "language",
            "opened_via",
            "order_value",
            "currency",
            "needed_by",
            "first_response_due",
            "resolution_due",
            "opened_at",
            "resolved_at",
            "cost_total",
            "recovered_total",
            "net_loss",
        ]


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "the event's details, which depend on `what`: a reason as typed (`reason`) or as "
        "a code with its parameters (`reason_code`, `reason_params`), amounts, e-mail events, …",
    }
)
class EventDataField(serializers.JSONField):
    pass


class CaseEventSerializer(serializers.Serializer):
    at = UTCDateTimeField()
    who = serializers.CharField(source="actor.username", default=None, allow_null=True)
    what = serializers.ChoiceField(source="verb", choices=Verb.choices)
    old = serializers.CharField()
    new = serializers.CharField()
    data = EventDataField()


class CaseNoteOutSerializer(serializers.Serializer):
    at = UTCDateTimeField(source="created_at")
    author = serializers.CharField(source="author.username", default=None, allow_null=True)
    body = serializers.CharField()


class ClaimLineOutSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="order_line.position")
    sku = serializers.CharField(source="order_line.sku")
    quantity = serializers.IntegerField()


class PlaybookStepSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    email_event = serializers.CharField(help_text="the e-mail that does this step, if one does")
    done = serializers.BooleanField()


class CarrierClaimOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField(source="carrier.code")
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=CarrierClaimStatus.choices)
    claimed_amount = DecimalNumberField()
    recovered_amount = DecimalNumberField()
    liability_cap = DecimalNumberField(
        allow_null=True, help_text="the most the carrier pays: its liability limit or the insured value"
    )
    deadline = serializers.DateField(allow_null=True, help_text="the last day the carrier accepts the claim")
    deadline_from = serializers.CharField(help_text="`shipped` or `delivered`: what the window counts from")
    days_left = serializers.SerializerMethodField(help_text="0 on the deadline's day, negative once passed")
    filed_at = UTCDateTimeField(allow_null=True)
    filed_late = serializers.BooleanField()

    def get_days_left(self, carrier_claim) -> int | None:
        shop = carrier_claim.claim.case.shop
        return carrier_claim.days_left(timezone.localdate(timezone=ZoneInfo(shop.time_zone)))


class DisputeOutSerializer(serializers.Serializer):
    provider = serializers.CharField(source="dispute_provider")
    reference = serializers.CharField(source="dispute_reference")
    respond_by = UTCDateTimeField(allow_null=True)


class CaseClaimSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClaimType.choices)
    statement = serializers.CharField()
    lines = ClaimLineOutSerializer(many=True)
    evidence = EvidenceField()
    playbook = serializers.SerializerMethodField()
    carrier_claims = CarrierClaimOutSerializer(many=True)
    dispute = serializers.SerializerMethodField()

    @extend_schema_field(PlaybookStepSerializer(many=True))
    def get_playbook(self, claim) -> list:
        done = {step.key for step in claim.steps_done.all()}
        steps = [
            {"key": s.key, "title": s.title, "email_event": s.email_event, "done": s.key in done}
            for s in playbook_for(claim.type)
        ]
        return PlaybookStepSerializer(steps, many=True).data

    @extend_schema_field(DisputeOutSerializer(allow_null=True))
    def get_dispute(self, claim) -> dict | None:
        return DisputeOutSerializer(claim).data if claim.dispute_provider else None


class ResolutionOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    amount = DecimalNumberField()
    goods_cost = DecimalNumberField()
    shipping_cost = DecimalNumberField()
    reason = serializers.CharField()
    at = UTCDateTimeField(source="created_at")


class CaseRefundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = DecimalNumberField()
    currency = serializers.CharField()
    method = serializers.CharField()
    status = serializers.ChoiceField(choices=RefundStatus.choices)


class CaseDetailSerializer(CaseListSerializer):
    timeline = CaseEventSerializer(many=True, source="events")
    notes = CaseNoteOutSerializer(many=True)
    claim = CaseClaimSerializer(allow_null=True)
    decision = serializers.SerializerMethodField()
    resolutions = ResolutionOutSerializer(many=True)
    refunds = CaseRefundSerializer(many=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "timeline",
            "notes",
            "claim",
            "decision",
            "resolutions",
            "refunds",
        ]

    @extend_schema_field(DecisionSummarySerializer(allow_null=True))
    def get_decision(self, case) -> dict | None:
        return decision_summary(case)


class CaseResolvedSerializer(CaseDetailSerializer):
    escalated_for_limit = serializers.SerializerMethodField()

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "escalated_for_limit"]

    def get_escalated_for_limit(self, case) -> bool:
        # Above the agent's refund limit the case waits for an owner instead of refunding.
        return self.context["escalated_for_limit"]


class NoteCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()


class RefundConfirmedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    completed_at = UTCDateTimeField(allow_null=True)


class CarrierClaimUpdatedSerializer(CarrierClaimOutSerializer):
    pass
