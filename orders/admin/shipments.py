"""Parcels, their packing photos, and the carrier's scans (looked at, never edited)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Shipment, ShipmentPhoto, TrackingEvent
from .scoping import ShopScopedAdmin, ShopScopedInline


class TrackingEventInline(ShopScopedInline, admin.TabularInline):
    """The parcel's story as the carrier told it; read-only because the shipment's
    status is derived from these events by `tracking_events_ingest`."""

    model = TrackingEvent
    fields = [
        "occurred_at",
        "status",
        "carrier_status",
        "description",
        "location",
        "source",
        "source_event_id",
    ]
    readonly_fields = fields
    ordering = ["occurred_at", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ShipmentPhotoInline(ShopScopedInline, admin.TabularInline):
    model = ShipmentPhoto
    fields = ["image", "caption", "taken_at"]
    readonly_fields = ["taken_at"]
    extra = 0


@admin.register(Shipment)
class ShipmentAdmin(ShopScopedAdmin):
    list_display = [
        "tracking_number",
        "carrier",
        "order",
        "status",
        "status_at",
        "shipped_at",
        "packed_weight_g",
        "signature_required",
        "delivered_at",
    ]
    list_filter = ["status", "carrier", "signature_required", "order__shop"]
    search_fields = ["=tracking_number", "=order__number", "order__buyer__email"]
    date_hierarchy = "shipped_at"
    list_select_related = ["carrier", "order__shop"]
    autocomplete_fields = ["order", "carrier"]
    readonly_fields = [
        "tracking_link_display",
        "status",
        "status_at",
        "last_event_at",
        "delivered_at",
        "delivery_location",
        "signed_by",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["order", "carrier", "service", "tracking_number", "tracking_link_display"]}),
        (
            _("Parcel"),
            {
                "fields": [
                    "shipped_at",
                    "packed_weight_g",
                    "insured_value",
                    "signature_required",
                    "label_document",
                ]
            },
        ),
        (
            _("Tracking"),
            {
                "fields": [
                    "status",
                    "status_at",
                    "last_event_at",
                    "estimated_delivery",
                    "delivered_at",
                    "delivery_location",
                    "signed_by",
                    "created_at",
                ]
            },
        ),
    ]
    inlines = [TrackingEventInline, ShipmentPhotoInline]

    @admin.display(description=_("tracking page"))
    def tracking_link_display(self, shipment):
        link = shipment.tracking_link if shipment.pk else ""
        return format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', link, link) if link else "-"


@admin.register(ShipmentPhoto)
class ShipmentPhotoAdmin(ShopScopedAdmin):
    list_display = ["shipment", "caption", "taken_at"]
    search_fields = ["=shipment__tracking_number", "caption"]
    list_select_related = ["shipment__carrier"]
    autocomplete_fields = ["shipment"]


@admin.register(TrackingEvent)
class TrackingEventAdmin(ShopScopedAdmin):
    """Carrier facts: looked at, not edited; they arrive through `tracking_events_ingest`."""

    list_display = [
        "occurred_at",
        "shipment",
        "status",
        "carrier_status",
        "description",
        "location",
        "source",
    ]
    list_filter = ["status", "source", "shipment__carrier"]
    search_fields = ["=shipment__tracking_number", "=source_event_id", "description"]
    date_hierarchy = "occurred_at"
    list_select_related = ["shipment__carrier"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
