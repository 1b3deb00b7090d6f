"""Returns API for agents and the warehouse: open, read, label, receive, inspect; return analytics."""

import json
from datetime import timedelta

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import OpenedVia
from config.permissions import has_perms
from orders.api import flat_errors
from orders.models import Order, Shop

from . import selectors, services
from .eligibility import LineIn
from .models import Condition, Resolution, ReturnMethod, ReturnReason

VIEW = has_perms("returns.view_returnrequest")
ADD = has_perms("returns.add_returnrequest")
CHANGE = has_perms("returns.change_returnrequest")


def validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return serializer.validated_data


class ReturnLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False)
    position = serializers.IntegerField(min_value=1, required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    reason = serializers.ChoiceField(choices=ReturnReason.choices)

    def validate(self, attrs):
        if "position" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError("Give the line's SKU or its position.")
        return attrs


class OrderKeySerializer(serializers.Serializer):
    shop = serializers.SlugField(max_length=50)
    number = serializers.CharField(max_length=64)


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
        key = attrs["order"]
        order = (
            Order.objects.select_related("shop", "buyer")
            .filter(shop__slug=key["shop"], number=key["number"])
            .first()
        )
        if order is None:
            raise serializers.ValidationError({"order": ["No such order."]})
        attrs["order"] = order
        by_position = {line.position: line for line in order.lines.select_related("product")}
        by_sku = {}
        for line in by_position.values():
            by_sku.setdefault(line.sku, []).append(line)
        resolved, errors = [], {}
        for index, data in enumerate(attrs["lines"]):
            if "position" in data:
                line = by_position.get(data["position"])
            else:
                matches = by_sku.get(data["sku"], [])
                if len(matches) > 1:
                    errors[f"lines[{index}].sku"] = ["This SKU is on several lines; give the position."]
                    continue
                line = matches[0] if matches else None
            if line is None:
                errors[f"lines[{index}]"] = ["This item is not on the order."]
                continue
            resolved.append(LineIn(order_line=line, quantity=data["quantity"], reason=data["reason"]))
        if errors:
            raise serializers.ValidationError(errors)
        attrs["lines"] = resolved
        return attrs


class QuantityLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False)
    line = serializers.IntegerField(min_value=1, required=False, help_text="the return line's id")
    quantity = serializers.IntegerField(min_value=0, max_value=100000)

    def validate(self, attrs):
        if "line" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError("Give the SKU or the return line's id.")
        return attrs


class ReceiveInSerializer(serializers.Serializer):
    lines = QuantityLineSerializer(many=True, allow_empty=False)


class InspectLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, required=False)
    line = serializers.IntegerField(min_value=1, required=False, help_text="the return line's id")
    accepted_quantity = serializers.IntegerField(min_value=0, max_value=100000)
    condition = serializers.ChoiceField(choices=Condition.choices)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if "line" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError("Give the SKU or the return line's id.")
        return attrs


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


def return_body(request_obj, http_request) -> dict:
    label_url = (
        http_request.build_absolute_uri(reverse("api-return-label", args=[request_obj.rma]))
        if request_obj.label_pdf
        else None
    )
    refund = request_obj.refund
    return {
        "rma": request_obj.rma,
        "status": request_obj.status,
        "case": request_obj.case.reference,
        "order": {"shop": request_obj.order.shop.slug, "number": request_obj.order.number},
        "method": request_obj.method,
        "resolution": request_obj.resolution,
        "keep_item": request_obj.keep_item,
        "outside_policy": request_obj.policy_exceptions,
        "label_url": label_url,
        "tracking_number": request_obj.tracking_number,
        "expires_at": request_obj.expires_at,
        "created_at": request_obj.created_at,
        "received_at": request_obj.received_at,
        "inspected_at": request_obj.inspected_at,
        "lines": [
            {
                "id": line.pk,
                "sku": line.order_line.sku,
                "title": line.order_line.title,
                "quantity": line.quantity,
                "reason": line.reason,
                "received_quantity": line.received_quantity,
                "condition": line.condition or None,
                "accepted_quantity": line.accepted_quantity,
                "rejected_quantity": line.rejected_quantity,
                "notes": line.notes,
            }
            for line in request_obj.lines.all()
        ],
        "goods_value": _money(request_obj.goods_value),
        "restocking_fee": _money(request_obj.restocking_fee),
        "return_fee": _money(request_obj.return_fee),
        "refund": refund_body(refund),
        # Above the inspecting agent's refund limit: an owner approves it with POST …/refund/.
        "refund_due": _money(request_obj.refund_due),
        "awaits_refund_approval": request_obj.awaits_refund_approval,
        "exchange_order": {
            "shop": request_obj.exchange_order.shop.slug,
            "number": request_obj.exchange_order.number,
        }
        if request_obj.exchange_order
        else None,
    }


def _money(value) -> str | None:
    # Strings, like DRF's decimal fields: a float would turn 138.80 into 138.80000000000001.
    return None if value is None else str(value)


def refund_body(refund) -> dict | None:
    if refund is None:
        return None
    return {
        "id": refund.pk,
        "amount": _money(refund.amount),
        "currency": refund.currency,
        "method": refund.method,
        "status": refund.status,
        "expected_arrival": refund.expected_arrival,
    }


def _fresh(rma: str):
    found = selectors.return_by_rma(rma)
    if found is None:
        raise Http404
    return found


class ReturnCreate(APIView):
    permission_classes = [ADD]

    @extend_schema(request=ReturnInSerializer, responses={201: dict})
    def post(self, request):
        values = validated(ReturnInSerializer, request.data)
        created = services.return_request(
            order=values["order"],
            lines=values["lines"],
            method=values["method"],
            resolution=values["resolution"],
            outside_policy=values["outside_policy"],
            opened_via=OpenedVia.API,
            actor=request.user,
        )
        body = return_body(_fresh(created.rma), request)
        return Response(
            {"rma": body["rma"], "status": body["status"], "label_url": body["label_url"], "return": body},
            status=status.HTTP_201_CREATED,
        )


class ReturnDetail(APIView):
    permission_classes = [VIEW]

    @extend_schema(responses={200: dict})
    def get(self, request, rma):
        return Response(return_body(_fresh(rma), request))


class ReturnLabel(APIView):
    permission_classes = [VIEW]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, rma):
        found = _fresh(rma)
        if not found.label_pdf:
            raise Http404
        return FileResponse(found.label_pdf.open("rb"), content_type="application/pdf", filename=f"{rma}.pdf")


class ReturnReceive(APIView):
    permission_classes = [CHANGE]

    @extend_schema(request=ReceiveInSerializer, responses={200: dict})
    def post(self, request, rma):
        _fresh(rma)
        values = validated(ReceiveInSerializer, request.data)
        lines, errors = {}, {}
        for index, item in enumerate(values["lines"]):
            key = item.get("line") or item["sku"]
            if key in lines:
                errors[f"lines[{index}]"] = ["This item is listed twice."]
            lines[key] = item["quantity"]
        if errors:
            raise ValidationError(errors)
        services.return_receive(rma=rma, lines=lines, actor=request.user)
        return Response(return_body(_fresh(rma), request))


class ReturnInspect(APIView):
    permission_classes = [CHANGE]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=InspectInSerializer,
        responses={200: dict},
        description="JSON, or multipart with the JSON in a `data` field and photos as `photos.<sku>` files.",
    )
    def post(self, request, rma):
        _fresh(rma)
        data, photos = request.data, {}
        if request.content_type and request.content_type.startswith("multipart/"):
            try:
                data = json.loads(request.data.get("data") or "{}")
            except json.JSONDecodeError as exc:
                raise ValidationError({"data": ["Not valid JSON."]}) from exc
            photos = {
                name.removeprefix("photos."): request.FILES.getlist(name)
                for name in request.FILES
                if name.startswith("photos.")
            }
        values = validated(InspectInSerializer, data)
        lines = [
            services.InspectLine(
                key=item.get("line") or item["sku"],
                accepted_quantity=item["accepted_quantity"],
                condition=item["condition"],
                notes=item["notes"],
                photos=tuple(photos.get(str(item.get("line") or item["sku"]), ())),
            )
            for item in values["lines"]
        ]
        result = services.return_inspect(
            rma=rma, lines=lines, actor=request.user, exchange_skus=values["exchange"]
        )
        body = return_body(_fresh(rma), request)
        return Response(
            {
                "rma": rma,
                "status": body["status"],
                "refund": refund_body(result.refund),
                "exchange_order": body["exchange_order"],
                "return": body,
            }
        )


class ReturnApprove(APIView):
    permission_classes = [CHANGE]

    @extend_schema(request=ReasonInSerializer, responses={200: dict})
    def post(self, request, rma):
        _fresh(rma)
        values = validated(ReasonInSerializer, request.data)
        services.return_approve(rma=rma, actor=request.user, reason=values["reason"])
        return Response(return_body(_fresh(rma), request))


class ReturnReject(APIView):
    permission_classes = [CHANGE]

    @extend_schema(request=ReasonInSerializer, responses={200: dict})
    def post(self, request, rma):
        _fresh(rma)
        values = validated(ReasonInSerializer, request.data)
        services.return_reject(rma=rma, actor=request.user, reason=values["reason"])
        return Response(return_body(_fresh(rma), request))


class ReturnRefundApprove(APIView):
    """Make a refund that inspection left waiting because it was above the agent's limit."""

    permission_classes = [CHANGE, has_perms("cases.add_refund")]

    @extend_schema(request=None, responses={200: dict, 409: dict})
    def post(self, request, rma):
        _fresh(rma)
        services.return_refund_approve(rma=rma, actor=request.user)
        return Response(return_body(_fresh(rma), request))


class ReturnClose(APIView):
    permission_classes = [CHANGE]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, rma):
        _fresh(rma)
        services.return_close(rma=rma, actor=request.user)
        return Response(return_body(_fresh(rma), request))


class InTransitSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReturnInTransit(APIView):
    """The carrier has the parcel (a scan, or the buyer's drop-off receipt): the return no longer expires."""

    permission_classes = [CHANGE]

    @extend_schema(request=InTransitSerializer, responses={200: dict})
    def post(self, request, rma):
        _fresh(rma)
        serializer = InTransitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.return_mark_in_transit(rma=rma, actor=request.user, **serializer.validated_data)
        return Response(return_body(_fresh(rma), request))


class AnalyticsQuerySerializer(serializers.Serializer):
    shop = serializers.SlugRelatedField(slug_field="slug", queryset=Shop.objects.all())
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


class ReturnAnalytics(APIView):
    permission_classes = [VIEW]

    @extend_schema(
        parameters=[
            OpenApiParameter("shop", str, required=True, description="shop slug"),
            OpenApiParameter("from", str, description="first day (YYYY-MM-DD), default a year before `to`"),
            OpenApiParameter("to", str, description="last day (YYYY-MM-DD), default today"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        params = {"shop": request.query_params.get("shop")}
        for name, key in (("from", "date_from"), ("to", "date_to")):
            if request.query_params.get(name):
                params[key] = request.query_params[name]
        try:
            values = validated(AnalyticsQuerySerializer, params)
        except ValidationError as exc:
            names = {"date_from": "from", "date_to": "to"}
            raise ValidationError({names.get(key, key): value for key, value in exc.detail.items()}) from exc
        return Response(
            selectors.return_rates(
                shop=values["shop"], date_from=values["date_from"], date_to=values["date_to"]
            )
        )
