"""Claims API: open a claim on an order and get the case, its evidence and the decision."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ClaimType
from cases.models import CaseStatus, OpenedVia
from config.api import (
    JSON_OR_MULTIPART,
    Idempotent,
    InstantField,
    has_perms,
    json_and_files,
    json_or_multipart,
    validated,
)
from decisions.public import latest_decision
from orders.api import OrderKeySerializer, OrderLineRefSerializer, PersonalisationOut
from orders.selectors import order_by_key, order_lines_for

from . import services


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "the order id"},
            {
                "type": "object",
                "properties": {"shop": {"type": "string"}, "number": {"type": "string"}},
                "required": ["shop", "number"],
            },
        ]
    }
)
class OrderRefField(serializers.Field):
    """An order by id, or by {"shop": slug, "number": number}."""

    # DRF runs the messages through str.format: the JSON's braces are doubled.
    default_error_messages = {"invalid": 'Give the order id or {{"shop": ..., "number": ...}}.'}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")  # true is an int to Python, not an order id to anyone
        # Only the caller's shops: another shop's order is "No such order." like a made-up one.
        user = self.context["request"].user
        if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
            order = order_by_key(pk=int(data), user=user)
        elif isinstance(data, dict):
            # The same checks as a return's order key (a slug, a number without NUL, their lengths).
            key = OrderKeySerializer(data=data)
            if not key.is_valid():
                self.fail("invalid")
            order = order_by_key(**key.validated_data, user=user)
        else:
            self.fail("invalid")
        if order is None:
            raise serializers.ValidationError(_("No such order."))
        return order

    def to_representation(self, value):
        return value.pk


class ClaimLineInSerializer(OrderLineRefSerializer):
    quantity = serializers.IntegerField(min_value=1)


class DisputeInSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=40)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    respond_by = InstantField(required=False)


class ClaimInSerializer(serializers.Serializer):
    order = OrderRefField()
    type = serializers.ChoiceField(choices=ClaimType.choices)
    lines = ClaimLineInSerializer(many=True, required=False, default=list)
    statement = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    dispute = DisputeInSerializer(required=False)

    def validate(self, attrs):
        order_lines = order_lines_for(attrs["order"], attrs["lines"])
        attrs["lines"] = [
            services.LineIn(order_line=line, quantity=data["quantity"])
            for line, data in zip(order_lines, attrs["lines"], strict=True)
        ]
        return attrs


class DecisionSummarySerializer(serializers.Serializer):
    """A case's current recommendation, as the claims and cases APIs show it."""

    action = serializers.CharField()
    rule = serializers.IntegerField(source="rule_position", allow_null=True, help_text="the rule's number")
    reason = serializers.CharField()
    refund_percent = serializers.IntegerField(allow_null=True)
    auto_applied = serializers.BooleanField()
    matrix_version = serializers.IntegerField(allow_null=True)
    overridden_action = serializers.SerializerMethodField()

    def get_overridden_action(self, record) -> str | None:
        return record.override_action or None


def decision_summary(case) -> dict | None:
    record = latest_decision(case)
    return None if record is None else DecisionSummarySerializer(record).data


class WeightCheckSerializer(serializers.Serializer):
    goods_g = serializers.IntegerField()
    packaging_g = serializers.IntegerField()
    expected_g = serializers.IntegerField()
    measured_g = serializers.IntegerField(allow_null=True)
    claimed_missing_g = serializers.IntegerField()
    expected_if_claim_true_g = serializers.IntegerField()
    tolerance_g = serializers.IntegerField(allow_null=True)
    verdict = serializers.CharField(
        help_text="matches_complete_order, matches_claim, inconclusive, … or unknown"
    )
    consistent = serializers.BooleanField(allow_null=True)


class ShipmentFactsSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    delivery_location = serializers.CharField()
    signed_by = serializers.CharField()
    signature_required = serializers.BooleanField()
    insured_value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    last_event_at = serializers.DateTimeField(allow_null=True)


class BuyerFactsSerializer(serializers.Serializer):
    claims_last_365_days = serializers.IntegerField()
    orders_last_365_days = serializers.IntegerField()
    claim_ratio = serializers.FloatField()
    risk_flag = serializers.CharField()
    risk_reason = serializers.CharField()


class PersonalisedLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    sku = serializers.CharField()
    title = serializers.CharField()
    fields = PersonalisationOut(many=True)


class PaymentFactsSerializer(serializers.Serializer):
    methods = serializers.ListField(child=serializers.CharField())
    cleared = serializers.BooleanField()
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)


class EvidenceSerializer(serializers.Serializer):
    """The schema of a claim's evidence, stored as JSON when the claim opens (claims/evidence.py)."""

    order_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    weight = WeightCheckSerializer()
    shipment = ShipmentFactsSerializer(allow_null=True)
    delivery_confirmed = serializers.BooleanField()
    signature = serializers.BooleanField()
    buyer = BuyerFactsSerializer()
    personalisation = PersonalisedLineSerializer(many=True)
    needed_by = serializers.DateField(allow_null=True)
    days_until_needed = serializers.IntegerField(allow_null=True)
    payment = PaymentFactsSerializer()
    rush = serializers.BooleanField()
    prior_resolutions = serializers.IntegerField(
        required=False,
        help_text="how often the order was resolved before: claims, refunded or exchanged returns",
    )


@extend_schema_field(EvidenceSerializer)
class EvidenceField(serializers.JSONField):
    """The evidence as stored: the desk, the decisions and a dispute bundle read the same facts."""


class EvidenceSummarySerializer(serializers.Serializer):
    """The headline facts of a claim's evidence (the whole of it is on the case)."""

    weight_verdict = serializers.CharField(source="weight.verdict", allow_null=True)
    expected_g = serializers.IntegerField(source="weight.expected_g", allow_null=True)
    measured_g = serializers.IntegerField(source="weight.measured_g", allow_null=True)
    claimed_missing_g = serializers.IntegerField(source="weight.claimed_missing_g", allow_null=True)
    delivery_confirmed = serializers.BooleanField(allow_null=True)
    signature = serializers.BooleanField(allow_null=True)
    buyer_claims_last_365_days = serializers.IntegerField(
        source="buyer.claims_last_365_days", allow_null=True
    )
    buyer_risk_flag = serializers.CharField(source="buyer.risk_flag", allow_null=True)
    days_until_needed = serializers.IntegerField(allow_null=True)
    payment_cleared = serializers.BooleanField(source="payment.cleared", allow_null=True)
    prior_resolutions = serializers.IntegerField(default=0)


class ClaimCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    status = serializers.ChoiceField(source="case.status", choices=CaseStatus.choices)
    type = serializers.ChoiceField(choices=ClaimType.choices)
    evidence = EvidenceSummarySerializer()
    decision = serializers.SerializerMethodField()

    @extend_schema_field(DecisionSummarySerializer(allow_null=True))
    def get_decision(self, claim) -> dict | None:
        record = getattr(claim, "decision_record", None)  # the decision claim_open just made
        if record is not None:
            return DecisionSummarySerializer(record).data
        return decision_summary(claim.case)


class ClaimCreate(Idempotent, APIView):
    permission_classes = [has_perms("claims.add_claim")]
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        request=json_or_multipart(ClaimInSerializer, files="up to 6 photos, each as a `photos` file"),
        responses={201: ClaimCreatedSerializer, 200: ClaimCreatedSerializer},
        description="Open a claim. JSON, or multipart with the JSON in a `data` field and up to 6 `photos`. "
        "The same claim again (same order, type and lines) while the first is open and at most "
        "POSTSALE_DUPLICATE_CLAIM_MINUTES (10) old answers 200 with that case instead of opening a second.",
    )
    def post(self, request):
        data, files = json_and_files(request)
        values = validated(ClaimInSerializer, data, context={"request": request})
        dispute = values.get("dispute")
        claim, opened = services.claim_open_once(
            order=values["order"],
            type=values["type"],
            lines=values["lines"],
            statement=values["statement"],
            photos=files.getlist("photos"),
            opened_via=OpenedVia.API,
            actor=request.user,
            dispute=services.DisputeIn(**dispute) if dispute else None,
        )
        record = getattr(claim, "decision_record", None)
        if record is None or record.auto_applied:
            claim.case.refresh_from_db()  # the decision moved it on (auto-applied)
        code = status.HTTP_201_CREATED if opened else status.HTTP_200_OK
        return Response(ClaimCreatedSerializer(claim).data, status=code)
