"""Returns API for agents and the warehouse: open, read, label, receive, inspect; return analytics."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import OpenedVia
from config.api import (
    JSON_OR_MULTIPART,
    ConflictSerializer,
    Idempotent,
    has_perms,
    json_and_files,
    json_or_multipart,
    validated,
)
from orders.files import file_response

from . import selectors, services
from .serializers import (
    AnalyticsQuerySerializer,
    InspectInSerializer,
    InTransitSerializer,
    ReasonInSerializer,
    ReceiveInSerializer,
    RejectInSerializer,
    ReturnCreatedSerializer,
    ReturnInSerializer,
    ReturnInspectedSerializer,
    ReturnRatesSerializer,
    ReturnSerializer,
)

VIEW = has_perms("returns.view_returnrequest")
ADD = has_perms("returns.add_returnrequest")
CHANGE = has_perms("returns.change_returnrequest")


def _fresh(request, rma: str):
    """The return as stored now, if it is of one of the caller's shops; 404 for any other."""
    found = selectors.return_by_rma(rma, user=request.user)
    if found is None:
        raise Http404
    return found


class ReturnView(Idempotent, APIView):
    """A return's endpoints answer with the return as it is after the change, read back."""

    def answer(self, rma: str) -> Response:
        return Response(ReturnSerializer(_fresh(self.request, rma), context={"request": self.request}).data)


class ReturnCreate(Idempotent, APIView):
    permission_classes = [ADD]

    @extend_schema(request=ReturnInSerializer, responses={201: ReturnCreatedSerializer})
    def post(self, request):
        values = validated(ReturnInSerializer, request.data, context={"request": request})
        created = services.return_request(
            order=values["order"],
            lines=values["lines"],
            method=values["method"],
            resolution=values["resolution"],
            outside_policy=values["outside_policy"],
            opened_via=OpenedVia.API,
            actor=request.user,
        )
        body = ReturnCreatedSerializer(_fresh(request, created.rma), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReturnDetail(ReturnView):
    permission_classes = [VIEW]

    @extend_schema(responses={200: ReturnSerializer})
    def get(self, request, rma):
        return self.answer(rma)


class ReturnLabel(APIView):
    permission_classes = [VIEW]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, rma):
        found = _fresh(request, rma)
        if not found.label_pdf:
            raise Http404
        return file_response(found.label_pdf, filename=found.label_filename)


class ReturnReceive(ReturnView):
    permission_classes = [CHANGE]

    @extend_schema(request=ReceiveInSerializer, responses={200: ReturnSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
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
        return self.answer(rma)


class ReturnInspect(Idempotent, APIView):
    permission_classes = [CHANGE]
    parser_classes = JSON_OR_MULTIPART

    @extend_schema(
        request=json_or_multipart(
            InspectInSerializer, files="photos of a line as `photos.<sku>` or `photos.<return line id>` files"
        ),
        responses={200: ReturnInspectedSerializer},
        description="JSON, or multipart with the JSON in a `data` field and photos as `photos.<sku>` files.",
    )
    def post(self, request, rma):
        _fresh(request, rma)
        data, files = json_and_files(request)
        values = validated(InspectInSerializer, data)
        lines = [
            services.InspectLine(
                key=item.get("line") or item["sku"],
                accepted_quantity=item["accepted_quantity"],
                condition=item["condition"],
                notes=item["notes"],
                photos=tuple(files.getlist(f"photos.{item.get('line') or item['sku']}")),
            )
            for item in values["lines"]
        ]
        result = services.return_inspect(
            rma=rma, lines=lines, actor=request.user, exchange_skus=values["exchange"]
        )
        inspected = {"return": _fresh(request, rma), "refund": result.refund}
        return Response(ReturnInspectedSerializer(inspected, context={"request": request}).data)


class ReturnApprove(ReturnView):
    permission_classes = [CHANGE]

    @extend_schema(request=ReasonInSerializer, responses={200: ReturnSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
        values = validated(ReasonInSerializer, request.data)
        services.return_approve(rma=rma, actor=request.user, reason=values["reason"])
        return self.answer(rma)


class ReturnReject(ReturnView):
    permission_classes = [CHANGE]

    @extend_schema(request=RejectInSerializer, responses={200: ReturnSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
        values = validated(RejectInSerializer, request.data)
        services.return_reject(
            rma=rma, actor=request.user, reason=values["reason"], buyer_message=values["buyer_message"]
        )
        return self.answer(rma)


class ReturnRefundApprove(ReturnView):
    """Make a refund (or an exchange) left waiting because it was above the agent's limit."""

    permission_classes = [CHANGE, has_perms("cases.add_refund")]

    @extend_schema(request=None, responses={200: ReturnSerializer, 409: ConflictSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
        services.return_refund_approve(rma=rma, actor=request.user)
        return self.answer(rma)


class ReturnClose(ReturnView):
    permission_classes = [CHANGE]

    @extend_schema(request=None, responses={200: ReturnSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
        services.return_close(rma=rma, actor=request.user)
        return self.answer(rma)


class ReturnInTransit(ReturnView):
    """The carrier has the parcel (a scan, or the buyer's drop-off receipt): the return no longer expires."""

    permission_classes = [CHANGE]

    @extend_schema(request=InTransitSerializer, responses={200: ReturnSerializer})
    def post(self, request, rma):
        _fresh(request, rma)
        values = validated(InTransitSerializer, request.data)
        services.return_mark_in_transit(rma=rma, actor=request.user, **values)
        return self.answer(rma)


class ReturnAnalytics(APIView):
    permission_classes = [VIEW]

    @extend_schema(
        parameters=[
            OpenApiParameter("shop", str, required=True, description="shop slug"),
            OpenApiParameter("from", str, description="first day (YYYY-MM-DD), default a year before `to`"),
            OpenApiParameter("to", str, description="last day (YYYY-MM-DD), default today"),
        ],
        responses={200: ReturnRatesSerializer},
    )
    def get(self, request):
        params = {"shop": request.query_params.get("shop")}
        for name, key in (("from", "date_from"), ("to", "date_to")):
            if request.query_params.get(name):
                params[key] = request.query_params[name]
        try:
            values = validated(AnalyticsQuerySerializer, params, context={"request": request})
        except ValidationError as exc:
            names = {"date_from": "from", "date_to": "to"}
            raise ValidationError({names.get(key, key): value for key, value in exc.detail.items()}) from exc
        rates = selectors.return_rates(
            shop=values["shop"], date_from=values["date_from"], date_to=values["date_to"]
        )
        return Response(ReturnRatesSerializer(rates).data)
