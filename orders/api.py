"""Orders and tracking API: validate, call a service, serialise."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Idempotent, InputSerializer, InstantField, validated

from . import selectors, services, tenancy
from .models import (
    Buyer,
    Language,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Role,
    Salutation,
    Shipment,
    ShippingSpeed,
    TrackingEvent,
    TrackingStatus,
)

MAX_BATCH = 500
MAX_EVENTS = 5000


class PersonalisationFieldSerializer(InputSerializer):
    label = serializers.CharField(max_length=100)
    # Kept exactly as typed, spaces and case included: it is evidence.
    value = serializers.CharField(max_length=500, allow_blank=True, trim_whitespace=False)


class BuyerInSerializer(InputSerializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True, default="")
    # For the greeting of the buyer's e-mails; without them the name is used as it comes.
    salutation = serializers.ChoiceField(
        choices=Salutation.choices, required=False, allow_blank=True, default=""
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AddressSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, min_length=2, required=False, allow_blank=True, default="")


class LineInSerializer(InputSerializer):
    sku = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    unit_weight_g = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    personalisation = PersonalisationFieldSerializer(many=True, required=False, default=list)
    # What the shop knows of the product on the line: kept on the product, for exchanges.
    product_family = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="variants of one product (sizes, colours) share it, e.g. the parent SKU; "
        "an agent exchanges only within a family",
    )
    list_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="the product's price now; an exchange is valued at it and may not go to a dearer variant",
    )


class PaymentInSerializer(InputSerializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    status = serializers.ChoiceField(
        choices=PaymentStatus.choices, required=False, default=PaymentStatus.PAID
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    cleared_at = InstantField(required=False, allow_null=True, default=None)
    # Who refunds it; empty: a card payment with a Stripe reference (pi_…, ch_…) goes to Stripe when
    # the shop has connected Stripe, anything else is paid back by hand.
    provider = serializers.ChoiceField(
        choices=PaymentProvider.choices, required=False, allow_blank=True, default=""
    )


class ShipmentInSerializer(InputSerializer):
    carrier = serializers.CharField(max_length=32)
    service = serializers.CharField(max_length=80, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=64)
    shipped_at = InstantField(required=False, allow_null=True)
    packed_weight_g = serializers.IntegerField(
        min_value=1, max_value=10_000_000, required=False, allow_null=True
    )
    insured_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    signature_required = serializers.BooleanField(required=False)
    estimated_delivery = serializers.DateField(required=False, allow_null=True)


class OrderInSerializer(InputSerializer):
    shop = serializers.SlugField(max_length=50)
    number = serializers.CharField(max_length=64)
    placed_at = InstantField()
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    shipping_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    sales_channel = serializers.CharField(max_length=40, required=False)
    shipping_address = AddressSerializer(required=False)
    needed_by = serializers.DateField(required=False, allow_null=True)
    shipping_speed = serializers.ChoiceField(choices=ShippingSpeed.choices, required=False)
    buyer = BuyerInSerializer()
    # Left out, the stored lines stay (a "shipped" update need not repeat them); sent, they replace them.
    lines = LineInSerializer(many=True, required=False)
    payment = PaymentInSerializer(required=False, allow_null=True)
    shipments = ShipmentInSerializer(many=True, required=False, default=list)

    def validate(self, attrs):
        address = attrs.pop("shipping_address", None)
        if address:
            for key, value in address.items():
                attrs[f"ship_{key}"] = value
        return attrs


class PersonalisationOut(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class LineOutSerializer(serializers.ModelSerializer):
    personalisation = PersonalisationOut(many=True)

    class Meta:
        model = OrderLine
        fields = ["position", "sku", "title", "quantity", "unit_price", "unit_weight_g", "personalisation"]


class PaymentOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["method", "status", "amount", "reference", "cleared_at", "provider"]


class TrackingEventOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = [
            "status",
            "carrier_status",
            "description",
            "location",
            "occurred_at",
            "source",
            "source_event_id",
        ]


class ShipmentOutSerializer(serializers.ModelSerializer):
    carrier = serializers.CharField(source="carrier.code")
    tracking_url = serializers.CharField(source="tracking_link")
    events = TrackingEventOutSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "service",
            "tracking_number",
            "tracking_url",
            "shipped_at",
            "packed_weight_g",
            "insured_value",
            "signature_required",
            "signed_by",
            "status",
            "status_at",
            "estimated_delivery",
            "delivered_at",
            "delivery_location",
            "pickup_point",
            "pickup_until",
            "events",
        ]


class BuyerOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Buyer
        fields = ["email", "name", "language", "risk_flag"]


class AddressOutSerializer(serializers.Serializer):
    """The shipping address: columns of the order (ship_*), shown as one object."""

    name = serializers.CharField(source="ship_name")
    line1 = serializers.CharField(source="ship_line1")
    line2 = serializers.CharField(source="ship_line2")
    postal_code = serializers.CharField(source="ship_postal_code")
    city = serializers.CharField(source="ship_city")
    region = serializers.CharField(source="ship_region")
    country = serializers.CharField(source="ship_country")


class OrderOutSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.slug")
    buyer = BuyerOutSerializer()
    shipping_address = AddressOutSerializer(source="*")
    lines = LineOutSerializer(many=True)
    payments = PaymentOutSerializer(many=True)
    shipments = ShipmentOutSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "shop",
            "number",
            "placed_at",
            "currency",
            "subtotal",
            "shipping_total",
            "tax_total",
            "total",
            "sales_channel",
            "needed_by",
            "shipping_speed",
            "buyer",
            "shipping_address",
            "lines",
            "payments",
            "shipments",
            "updated_at",
        ]


class UpsertResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.SlugField()
    number = serializers.CharField()
    created = serializers.BooleanField()


class OrderKeySerializer(serializers.Serializer):
    """An order by its shop's slug and its number, as a shop system knows it."""

    shop = serializers.SlugField(max_length=50)
    number = serializers.CharField(max_length=64)


class OrderLineRefSerializer(serializers.Serializer):
    """A line of an order as other APIs name it: by its position, or by its SKU (selectors.order_line_for)."""

    position = serializers.IntegerField(min_value=1, required=False)
    sku = serializers.CharField(max_length=64, required=False)

    def validate(self, attrs):
        if "position" not in attrs and "sku" not in attrs:
            raise serializers.ValidationError(_("Give the line's position or its SKU."))
        return attrs


class OrderPermissions(DjangoModelPermissions):
    """Reading needs view_order, writing add_order (Owners and integration users)."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class OrderListCreate(Idempotent, generics.ListAPIView):
    """List orders (filter by `shop` and `number`) or create/update orders."""

    serializer_class = OrderOutSerializer
    permission_classes = [OrderPermissions]
    queryset = Order.objects.none()

    def get_queryset(self):
        orders = selectors.orders_for_api(
            shop=self.request.query_params.get("shop"), number=self.request.query_params.get("number")
        )
        return tenancy.in_shops(orders, self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("shop", str, description="shop slug"),
            OpenApiParameter("number", str, description="order number"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=OrderInSerializer,
        responses={201: UpsertResultSerializer, 200: UpsertResultSerializer},
        description="Create or update one order, or a JSON list of up to 500, keyed on (shop, number). "
        "Sending the same payload twice leaves one order: 201 when created, 200 when updated "
        "(a batch always answers 200 with one result per order). "
        "Read the whole order back with GET /api/v1/orders/{id}/.",
    )
    def post(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        if many and len(request.data) > MAX_BATCH:
            raise ValidationError({"non_field_errors": [f"At most {MAX_BATCH} orders per request."]})
        if many and not request.data:
            raise ValidationError({"non_field_errors": ["The list of orders is empty."]})
        items = validated(OrderInSerializer, request.data, many=many)
        items = items if many else [items]
        # A payload naming a shop that is not the caller's is refused like an unknown shop.
        results = services.orders_upsert(items=items, shop_ids=tenancy.shop_id_set(request.user))
        # A short answer, not the order read back: shop systems push orders all day and
        # re-reading and serialising each one doubled the cost of a one-order request.
        body = [
            {"id": r.order.pk, "shop": r.order.shop.slug, "number": r.order.number, "created": r.created}
            for r in results
        ]
        if many:
            return Response(body, status=status.HTTP_200_OK)
        code = status.HTTP_201_CREATED if results[0].created else status.HTTP_200_OK
        return Response(body[0], status=code)


class OrderDetail(generics.RetrieveAPIView):
    serializer_class = OrderOutSerializer
    permission_classes = [OrderPermissions]

    def get_queryset(self):
        return tenancy.in_shops(selectors.orders_for_api(), self.request.user)


class TrackingEventInSerializer(InputSerializer):
    carrier = serializers.CharField(max_length=32)
    tracking_number = serializers.CharField(max_length=64)
    event_id = serializers.CharField(max_length=128)
    occurred_at = InstantField()
    status = serializers.ChoiceField(choices=TrackingStatus.choices)
    carrier_status = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    signed_by = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    estimated_delivery = serializers.DateField(required=False, allow_null=True, default=None)
    pickup_point = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    pickup_until = serializers.DateField(required=False, allow_null=True, default=None)


class TrackingIngestResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField(
        help_text="events whose event_id was known already, or the same scan already stored from another source"
    )


class TrackingEventPermission(DjangoModelPermissions):
    perms_map = {**DjangoModelPermissions.perms_map}


class TrackingEventCreate(Idempotent, APIView):
    """Carrier scans, from the shop system's integration user (or a superuser) only.

    A scan moves the parcel's status, and the decision engine believes it: an agent
    who could post "lost" for a delivered parcel could make the matrix pay a refund.
    So the model permission is not enough; the caller must be a shop's integration
    user, and only that shop's parcels are found.
    """

    permission_classes = [TrackingEventPermission]
    queryset = TrackingEvent.objects.none()

    @extend_schema(
        request=TrackingEventInSerializer,
        responses={200: TrackingIngestResultSerializer},
        description="One tracking event or a list (up to 5000). A repeated event_id is ignored; "
        "the shipment takes the status of the latest occurred_at.",
    )
    def post(self, request):
        shop_ids = tenancy.shop_id_set(request.user, roles=[Role.INTEGRATION])
        if shop_ids is not None and not shop_ids:
            raise PermissionDenied(_("Only a shop system's integration user posts tracking events."))
        many = isinstance(request.data, list)
        if many and not 0 < len(request.data) <= MAX_EVENTS:
            raise ValidationError({"non_field_errors": [f"Send between 1 and {MAX_EVENTS} events."]})
        events = validated(TrackingEventInSerializer, request.data, many=many)
        events = events if many else [events]
        with transaction.atomic():
            result = services.tracking_events_ingest(events=events, source="api", shop_ids=shop_ids)
        return Response(TrackingIngestResultSerializer(result).data)
