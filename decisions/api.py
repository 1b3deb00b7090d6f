"""Decision API: ask the shop's matrix what it would decide, without a case."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ClaimType
from config.api import has_perms, validated

from . import selectors, services
from .engine import DecisionInput


class EvaluateInSerializer(serializers.Serializer):
    shop = serializers.SlugField(max_length=50)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices)
    order_value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    buyer_risk = serializers.ChoiceField(choices=["normal", "flagged"], required=False, default="normal")
    delivery_confirmed = serializers.BooleanField(required=False, default=False)
    signature = serializers.BooleanField(required=False, default=False)
    weight_consistent = serializers.BooleanField(required=False, allow_null=True, default=None)
    days_until_needed = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=-3650, max_value=3650
    )
    prior_resolutions = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=1000,
        help_text="how often the order was resolved before",
    )
    claims_last_365_days = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=1000,
        help_text="the buyer's other claims in 365 days",
    )

    def validate_shop(self, slug):
        shop = selectors.shop_for_evaluation(slug, user=self.context["request"].user)
        if shop is None:
            raise serializers.ValidationError(f"Unknown shop {slug!r}.")
        return shop


class DecisionOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    # "rule" is the rule's number in the matrix, as the owner sees it and as a claim's decision
    # reports it; rule_id is its database id (for the admin URL).
    rule = serializers.IntegerField(source="rule_position", allow_null=True)
    rule_position = serializers.IntegerField(allow_null=True)
    rule_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    refund_percent = serializers.IntegerField(allow_null=True)
    auto_apply = serializers.BooleanField()
    matrix_version = serializers.IntegerField(allow_null=True)


class Evaluate(APIView):
    # Whoever may see the matrix may ask it; nothing is stored.
    permission_classes = [has_perms("decisions.view_decisionmatrix")]

    @extend_schema(
        request=EvaluateInSerializer,
        responses={200: DecisionOutSerializer},
        description="What the shop's active matrix decides for these facts. Nothing is stored.",
    )
    def post(self, request):
        data = dict(validated(EvaluateInSerializer, request.data, context={"request": request}))
        shop = data.pop("shop")
        decision = services.evaluate(shop=shop, inputs=DecisionInput(**data))
        return Response(DecisionOutSerializer(decision).data)
