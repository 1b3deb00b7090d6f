"""Claims API: open a claim on an order and get the case, its evidence and the decision."""

import json

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ClaimType
from cases.models import OpenedVia
from config.permissions import has_perms
from decisions.public import latest_decision
from orders.models import Order

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
        if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
            order = Order.objects.select_related("shop", "buyer").filter(pk=int(data)).first()
        elif isinstance(data, dict) and data.get("shop") and data.get("number"):
            order = (
                Order.objects.select_related("shop", "buyer")
                .filter(shop__slug=data["shop"], number=str(data["number"]))
                .first()
            )
        else:
            self.fail("invalid")
        if order is None:
            raise serializers.ValidationError("No such order.")
        return order

    def to_representation(self, value):
        return value.pk


class ClaimLineInSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, required=False)
    sku = serializers.CharField(max_length=64, required=False)
    quantity = serializers.IntegerField(min_value=1)

    def validate(self, attrs):
        if "position" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError("Give the line's position or its SKU.")
        return attrs


class DisputeInSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=40)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    respond_by = serializers.DateTimeField(required=False)


class ClaimInSerializer(serializers.Serializer):
    order = OrderRefField()
    type = serializers.ChoiceField(choices=ClaimType.choices)
    lines = ClaimLineInSerializer(many=True, required=False, default=list)
    statement = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    dispute = DisputeInSerializer(required=False)

    def validate(self, attrs):
        order = attrs["order"]
        by_position = {line.position: line for line in order.lines.all()}
        by_sku = {}
        for line in by_position.values():
            by_sku.setdefault(line.sku, line)
        resolved, errors = [], {}
        for index, data in enumerate(attrs["lines"]):
            line = by_position.get(data["position"]) if "position" in data else by_sku.get(data["sku"])
            if line is None:
                errors[f"lines[{index}]"] = ["This line is not on the order."]
                continue
            resolved.append(services.LineIn(order_line=line, quantity=data["quantity"]))
        if errors:
            raise serializers.ValidationError(errors)
        attrs["lines"] = resolved
        return attrs


def decision_summary(case) -> dict | None:
    """The case's current recommendation as the API shows it."""
    record = latest_decision(case)
    if record is None:
        return None
    return {
        "action": record.action,
        "rule": record.rule_position,
        "reason": record.reason,
        "refund_percent": record.refund_percent,
        "auto_applied": record.auto_applied,
        "matrix_version": record.matrix_version,
        "overridden_action": record.override_action or None,
    }


def evidence_summary(evidence: dict) -> dict:
    weight = evidence.get("weight") or {}
    buyer = evidence.get("buyer") or {}
    return {
        "weight_verdict": weight.get("verdict"),
        "expected_g": weight.get("expected_g"),
        "measured_g": weight.get("measured_g"),
        "claimed_missing_g": weight.get("claimed_missing_g"),
        "delivery_confirmed": evidence.get("delivery_confirmed"),
        "signature": evidence.get("signature"),
        "buyer_claims_last_365_days": buyer.get("claims_last_365_days"),
        "buyer_risk_flag": buyer.get("risk_flag"),
        "days_until_needed": evidence.get("days_until_needed"),
        "payment_cleared": (evidence.get("payment") or {}).get("cleared"),
    }


class ClaimCreate(APIView):
    permission_classes = [has_perms("claims.add_claim")]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=ClaimInSerializer,
        responses={201: dict},
        description="Open a claim. JSON, or multipart with the JSON in a `data` field and up to 6 `photos`.",
    )
    def post(self, request):
        data = request.data
        photos = []
        if request.content_type and request.content_type.startswith("multipart/"):
            try:
                data = json.loads(request.data.get("data") or "{}")
            except json.JSONDecodeError as exc:
                raise ValidationError({"data": ["Not valid JSON."]}) from exc
            photos = request.FILES.getlist("photos")
        serializer = ClaimInSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        dispute = values.get("dispute")
        claim = services.claim_open(
            order=values["order"],
            type=values["type"],
            lines=values["lines"],
            statement=values["statement"],
            photos=photos,
            opened_via=OpenedVia.API,
            actor=request.user,
            dispute=services.DisputeIn(**dispute) if dispute else None,
        )
        case = claim.case
        case.refresh_from_db()
        body = {
            "reference": case.reference,
            "status": case.status,
            "type": claim.type,
            "evidence": evidence_summary(claim.evidence),
            "decision": decision_summary(case),
        }
        return Response(body, status=status.HTTP_201_CREATED)
