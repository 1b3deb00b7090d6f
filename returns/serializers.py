"""What the returns API reads and answers; the views are in api.py."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import RefundStatus
from config.api import InstantField, KeywordSafeSerializer, UTCDateTimeField
from orders import tenancy
from orders.api import OrderKeySerializer, OrderLineRefSerializer
from orders.selectors import order_by_key, order_lines_for

from .eligibility import LineIn
from .models import Condition, Resolution, ReturnMethod, ReturnReason, ReturnStatus

# --- input ----------------------------------------------------------------------


class ReturnLineInSerializer(OrderLineRefSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)


# A pattern, not an enum: drf-spectacular hoists enums into components by field
# name, and "method" already names the payment methods' choice set.
@extend_schema_field(
    {"type": "string", "pattern": f"^({'|'.join(ReturnMethod.values)})$", "default": "drop_off"}
)
class ReturnMethodField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ReturnMethod.choices, **kwargs)


class ReturnInSerializer(serializers.Serializer):
    order = OrderKeySerializer()
    lines = ReturnLineInSerializer(many=True, allow_empty=False)
    method = ReturnMethodField(default=ReturnMethod.DROP_OFF)
    resolution = serializers.ChoiceField(choices=Resolution.choices, default=Resolution.REFUND)
    # An agent's goodwill: open it even outside the policy, for an agent to approve.
    outside_policy = serializers.BooleanField(default=False)

    def validate(self, attrs):
        order = order_by_key(
            shop=attrs["order"]["shop"], number=attrs["order"]["number"], user=self.context["request"].user
        )
        if order is None:
            raise serializers.ValidationError({"order": [_("No such order.")]})
        attrs["order"] = order
        order_lines = order_lines_for(order, attrs["lines"])
        attrs["lines"] = [
            LineIn(order_line=line, quantity=data["quantity"], reason=data["reason"])
            for line, data in zip(order_lines, attrs["lines"], strict=True)
        ]
        return attrs


class ReturnLineRefSerializer(serializers.Serializer):
    """A line of the return: by the SKU, or by the return line's id when the SKU is on two lines."""

    sku = serializers.CharField(max_length=64, required=False)
    line = serializers.IntegerField(min_value=1, required=False, help_text="the return line's id")

    def validate(self, attrs):
        if "line" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError(_("Give the SKU or the return line's id."))
        return attrs


class QuantityLineSerializer(ReturnLineRefSerializer):
    quantity = serializers.IntegerField(min_value=0, max_value=100000)


class ReceiveInSerializer(serializers.Serializer):
    lines = QuantityLineSerializer(many=True, allow_empty=False)


class InspectLineSerializer(ReturnLineRefSerializer):
    accepted_quantity = serializers.IntegerField(min_value=0, max_value=100000)
    condition = serializers.ChoiceField(choices=Condition.choices)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class InspectInSerializer(serializers.Serializer):
    lines = InspectLineSerializer(many=True, allow_empty=False)
    exchange = serializers.DictField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=dict,
        help_text="for an exchange: returned SKU → the SKU to send instead (another size)",
    )


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RejectInSerializer(ReasonInSerializer):
    """The reason is internal (the timeline); only `buyer_message` is written to the buyer."""

    buyer_message = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class InTransitSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    occurred_at = InstantField(required=False, allow_null=True, default=None)


class OwnShopField(serializers.SlugRelatedField):
    """One of the caller's shops by its slug: another shop is answered like one that does not exist."""

    def get_queryset(self):
        return tenancy.shops_of(self.context["request"].user)


class AnalyticsQuerySerializer(serializers.Serializer):
    shop = OwnShopField(slug_field="slug")
    # "from" is a Python keyword: mapped in `ReturnAnalytics.get`.
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        attrs.setdefault("date_to", timezone.localdate())
        attrs.setdefault("date_from", attrs["date_to"] - timedelta(days=365))
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        if (attrs["date_to"] - attrs["date_from"]).days > 3 * 366:
            raise serializers.ValidationError({"from": ["At most three years at a time."]})
        return attrs


# --- output ---------------------------------------------------------------------


def _money(**kwargs) -> serializers.DecimalField:
    # Strings, like DRF's decimal fields elsewhere: a float would turn 138.80 into 138.80000000000001.
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class LabelURLField(serializers.Field):
    """The return label's address, or null while there is none."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, request_obj):
        if not request_obj.label_pdf:
            return None
        path = reverse("api-return-label", args=[request_obj.rma])
        return self.context["request"].build_absolute_uri(path)


class OrderKeyOutSerializer(serializers.Serializer):
    shop = serializers.CharField(source="shop.slug")
    number = serializers.CharField()


class ReturnLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sku = serializers.CharField(source="order_line.sku")
    title = serializers.CharField(source="order_line.title")
    quantity = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    received_quantity = serializers.IntegerField()
    condition = serializers.SerializerMethodField()
    accepted_quantity = serializers.IntegerField()
    rejected_quantity = serializers.IntegerField()
    notes = serializers.CharField()

    @extend_schema_field(serializers.ChoiceField(choices=Condition.choices, allow_null=True))
    def get_condition(self, line) -> str | None:
        return line.condition or None  # null until inspected


class ReturnRefundSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    amount = _money()
    currency = serializers.CharField()
    method = serializers.CharField()
    status = serializers.ChoiceField(choices=RefundStatus.choices)
    expected_arrival = serializers.DateField(allow_null=True)


class PolicyExceptionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="the input's path, as in a 400")
    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_field(PolicyExceptionSerializer(many=True))
class PolicyExceptionsField(serializers.JSONField):
    """As stored when the return was requested."""


class ReturnSerializer(serializers.Serializer):
    rma = serializers.CharField()
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    case = serializers.CharField(source="case.reference")
    order = OrderKeyOutSerializer()
    method = serializers.CharField()
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    keep_item = serializers.BooleanField()
    outside_policy = PolicyExceptionsField(source="policy_exceptions")
    label_url = LabelURLField()
    tracking_number = serializers.CharField()
    expires_at = UTCDateTimeField(allow_null=True)
    created_at = UTCDateTimeField()
    received_at = UTCDateTimeField(allow_null=True)
    inspected_at = UTCDateTimeField(allow_null=True)
    lines = ReturnLineOutSerializer(many=True)
    goods_value = _money(allow_null=True)
    restocking_fee = _money(allow_null=True)
    return_fee = _money(allow_null=True)
    refund = ReturnRefundSerializer(allow_null=True)
    refund_due = _money(
        allow_null=True,
        help_text="above the inspecting agent's refund limit: an owner approves it (…/refund/)",
    )
    awaits_refund_approval = serializers.BooleanField()
    exchange_value = _money(
        allow_null=True,
        help_text="what the goods an exchange sends are worth at list price; counts against limits",
    )
    awaits_exchange_approval = serializers.BooleanField(
        help_text="the exchange is worth more than the inspecting agent's limit: an owner approves it (…/refund/)"
    )
    exchange_order = OrderKeyOutSerializer(allow_null=True)


class ReturnCreatedSerializer(KeywordSafeSerializer):
    rma = serializers.CharField()
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    label_url = LabelURLField()
    return_ = ReturnSerializer(source="*")


class ReturnInspectedSerializer(KeywordSafeSerializer):
    """Built from {"return": the return, "refund": the refund inspection made, if any}."""

    rma = serializers.CharField(source="return.rma")
    status = serializers.ChoiceField(source="return.status", choices=ReturnStatus.choices)
    refund = ReturnRefundSerializer(allow_null=True)
    exchange_order = OrderKeyOutSerializer(source="return.exchange_order", allow_null=True)
    return_ = ReturnSerializer()


class ProductRateSerializer(serializers.Serializer):
    sku = serializers.CharField()
    title = serializers.CharField()
    sold = serializers.IntegerField()
    returned = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="returned over sold units")


class ReasonRateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReturnReason.choices)
    label = serializers.CharField()
    returned = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="of all returned units")
    rate = serializers.FloatField(allow_null=True, help_text="of all sold units")


class MonthRateSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, the month the orders were placed")
    sold = serializers.IntegerField()
    returned = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ReturnRatesSerializer(KeywordSafeSerializer):
    shop = serializers.CharField()
    from_ = serializers.DateField()
    to = serializers.DateField()
    sold_units = serializers.IntegerField()
    returned_units = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    by_product = ProductRateSerializer(many=True)
    by_reason = ReasonRateSerializer(many=True)
    by_month = MonthRateSerializer(many=True)
