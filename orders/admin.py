"""Admin for shop owners: configure shops and carriers, look up orders, parcels and buyers.

Thin like every view: writes that carry a business rule (private notes, a
buyer's risk flag, the CSV import) go through `orders.services`. Changelists
join what their columns show (`list_select_related`) so a page costs the same
number of queries whatever its length.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from . import services
from .importing import COLUMNS, DEFAULT_BATCH, REQUIRED_COLUMNS, orders_import_csv
from .models import (
    Buyer,
    Carrier,
    Order,
    OrderLine,
    OrderNote,
    Payment,
    Product,
    RiskFlag,
    Shipment,
    ShipmentPhoto,
    Shop,
    TrackingEvent,
)

# The import page shows this many errors; the command prints them all.
IMPORT_ERRORS_SHOWN = 500


def _personalisation_text(fields) -> str:
    return "; ".join(f"{item.get('label', '')}={item.get('value', '')}" for item in fields or [])


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tracking_url"]
    search_fields = ["name", "code"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "currency", "default_language", "time_zone", "support_email"]
    list_filter = ["country", "currency", "default_language", "carriers"]
    search_fields = ["name", "slug", "support_email"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["carriers"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "country", "currency", "default_language", "time_zone"]}),
        (_("Support contact"), {"fields": ["support_email", "support_phone", "support_url"]}),
        (_("Shipping"), {"fields": ["carriers", "packaging_allowance_g"]}),
    ]


class BuyerOrderInline(admin.TabularInline):
    model = Order
    fields = ["number", "placed_at", "total", "currency", "shipping_speed"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-placed_at"]
    verbose_name_plural = _("orders of this buyer")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("shop")


class BuyerForm(forms.ModelForm):
    class Meta:
        model = Buyer
        fields = ["shop", "email", "name", "language", "risk_flag", "risk_reason"]

    def clean(self):
        cleaned = super().clean()
        # Checked here as well as in buyer_set_risk so the owner sees it on the field.
        if (
            cleaned.get("risk_flag", RiskFlag.NONE) != RiskFlag.NONE
            and not cleaned.get("risk_reason", "").strip()
        ):
            self.add_error("risk_reason", _("Say why the buyer is flagged."))
        return cleaned


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    form = BuyerForm
    list_display = ["email", "name", "shop", "language", "risk_flag", "order_count", "created_at"]
    list_filter = ["risk_flag", "language", "shop"]
    search_fields = ["email", "name"]
    list_select_related = ["shop"]
    readonly_fields = ["risk_set_by", "risk_set_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["shop", "email", "name", "language", "created_at"]}),
        (_("Risk"), {"fields": ["risk_flag", "risk_reason", "risk_set_by", "risk_set_at"]}),
    ]
    inlines = [BuyerOrderInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(order_count=Count("orders"))

    @admin.display(description=_("orders"), ordering="order_count")
    def order_count(self, buyer):
        return buyer.order_count

    def save_model(self, request, obj, form, change):
        risk_changed = {"risk_flag", "risk_reason"} & set(form.changed_data)
        if change and risk_changed:
            # Save the other fields first; the flag itself is set by the service
            # so it records who flagged the buyer and when.
            obj.risk_flag, obj.risk_reason = form.initial["risk_flag"], form.initial["risk_reason"]
            super().save_model(request, obj, form, change)
            services.buyer_set_risk(
                buyer=obj,
                flag=form.cleaned_data["risk_flag"],
                reason=form.cleaned_data["risk_reason"],
                by=request.user,
            )
        else:
            super().save_model(request, obj, form, change)
            if not change and obj.risk_flag != RiskFlag.NONE:
                services.buyer_set_risk(
                    buyer=obj, flag=obj.risk_flag, reason=obj.risk_reason, by=request.user
                )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "title", "shop", "unit_weight_g", "personalisable", "returnable", "stock_on_hand"]
    list_filter = ["shop", "personalisable", "returnable"]
    search_fields = ["sku", "title"]
    list_select_related = ["shop"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = [
        "position",
        "sku",
        "title",
        "quantity",
        "unit_price",
        "unit_weight_g",
        "personalisation",
        "product",
    ]
    autocomplete_fields = ["product"]
    extra = 0


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["method", "status", "amount", "reference", "cleared_at"]
    extra = 0


class ShipmentInline(admin.TabularInline):
    model = Shipment
    fields = [
        "carrier",
        "tracking_number",
        "service",
        "shipped_at",
        "packed_weight_g",
        "signature_required",
        "status",
    ]
    readonly_fields = ["status"]
    autocomplete_fields = ["carrier"]
    show_change_link = True
    extra = 0


class OrderNoteInline(admin.TabularInline):
    model = OrderNote
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon. For files with many thousand rows use manage.py import_orders."
        ),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)


@admin.register(Order)
class OrderAdmin(ImportMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "shop",
        "buyer",
        "buyer_risk",
        "placed_at",
        "total_with_currency",
        "shipping_speed",
        "needed_by",
        "buyer_wrote_before_shipping",
    ]
    list_display_links = ["number"]
    list_filter = [
        "shop",
        "shipping_speed",
        "buyer__risk_flag",
        "buyer_wrote_before_shipping",
        "sales_channel",
        ("needed_by", admin.EmptyFieldListFilter),
        ("held_at", admin.EmptyFieldListFilter),
        ("cancelled_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "=number",
        "buyer__email",
        "buyer__name",
        "ship_name",
        "=shipments__tracking_number",
        "=payments__reference",
    ]
    date_hierarchy = "placed_at"
    list_select_related = ["shop", "buyer"]
    autocomplete_fields = ["buyer"]
    # Hold and cancellation are decisions with an audit trail (claims, payment
    # review); the admin shows them but does not set them.
    readonly_fields = ["held_at", "cancelled_at", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "shop",
                    "number",
                    "buyer",
                    "placed_at",
                    "sales_channel",
                    "buyer_wrote_before_shipping",
                ]
            },
        ),
        (_("Amounts"), {"fields": ["currency", "subtotal", "shipping_total", "tax_total", "total"]}),
        (
            _("Shipping"),
            {
                "fields": [
                    "shipping_speed",
                    "needed_by",
                    "ship_name",
                    "ship_line1",
                    "ship_line2",
                    ("ship_postal_code", "ship_city"),
                    "ship_region",
                    "ship_country",
                ]
            },
        ),
        (_("Postsale"), {"fields": ["held_at", "cancelled_at", "created_at", "updated_at"]}),
    ]
    inlines = [OrderLineInline, PaymentInline, ShipmentInline, OrderNoteInline]

    @admin.display(description=_("risk"), ordering="buyer__risk_flag")
    def buyer_risk(self, order):
        return order.buyer.get_risk_flag_display() if order.buyer.is_flagged else ""

    @admin.display(description=_("total"), ordering="total")
    def total_with_currency(self, order):
        return f"{order.total} {order.currency}"

    def save_formset(self, request, form, formset, change):
        if formset.model is not OrderNote:
            return super().save_formset(request, form, formset, change)
        for note in formset.save(commit=False):
            if note.pk is None:
                services.order_note_add(order=form.instance, author=request.user, body=note.body)
            else:
                note.save()
        for note in formset.deleted_objects:
            note.delete()

    # --- CSV import: django-import-export's button and URL, our importer ---------
    # import-export imports row by row; an order spans several rows and must go
    # through orders_upsert like the API and the command, so the view is ours.

    import_template_name = "admin/orders/order/import.html"

    def has_import_permission(self, request):
        return request.user.has_perm("orders.add_order") and request.user.has_perm("orders.change_order")

    def get_urls(self):
        # No confirm step: a dry run is a checkbox on the one import page.
        return [url for url in super().get_urls() if url.name != "orders_order_process_import"]

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = OrderImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = orders_import_csv(
                file=form.cleaned_data["file"], batch_size=DEFAULT_BATCH, dry_run=form.cleaned_data["dry_run"]
            )
            summary = _("%(rows)s rows: %(created)s new orders, %(updated)s updated, %(failed)s failed.") % {
                "rows": report.rows,
                "created": report.orders_created,
                "updated": report.orders_updated,
                "failed": report.orders_failed,
            }
            messages.add_message(request, messages.WARNING if report.errors else messages.SUCCESS, summary)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import orders from CSV"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "errors_shown": report.errors[:IMPORT_ERRORS_SHOWN] if report else [],
            "errors_hidden": max(0, len(report.errors) - IMPORT_ERRORS_SHOWN) if report else 0,
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        }
        return TemplateResponse(request, [self.import_template_name], context)


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ["order", "position", "sku", "title", "quantity", "unit_price", "personalisation_text"]
    list_filter = ["order__shop", "product__personalisable"]
    search_fields = ["=order__number", "sku", "title"]
    list_select_related = ["order__shop"]
    autocomplete_fields = ["order", "product"]

    @admin.display(description=_("personalisation"))
    def personalisation_text(self, line):
        return _personalisation_text(line.personalisation)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["order", "method", "status", "amount", "reference", "cleared_at"]
    list_filter = ["method", "status", ("cleared_at", admin.EmptyFieldListFilter), "order__shop"]
    search_fields = ["=reference", "=order__number", "order__buyer__email"]
    list_select_related = ["order__shop"]
    autocomplete_fields = ["order"]


class TrackingEventInline(admin.TabularInline):
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


class ShipmentPhotoInline(admin.TabularInline):
    model = ShipmentPhoto
    fields = ["image", "caption", "taken_at"]
    readonly_fields = ["taken_at"]
    extra = 0


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
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
class ShipmentPhotoAdmin(admin.ModelAdmin):
    list_display = ["shipment", "caption", "taken_at"]
    search_fields = ["=shipment__tracking_number", "caption"]
    list_select_related = ["shipment__carrier"]
    autocomplete_fields = ["shipment"]


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
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


@admin.register(OrderNote)
class OrderNoteAdmin(admin.ModelAdmin):
    list_display = ["order", "excerpt", "author", "created_at"]
    list_filter = ["order__shop", ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=order__number", "body"]
    list_select_related = ["order__shop", "author"]
    autocomplete_fields = ["order"]
    readonly_fields = ["author", "created_at"]
    fields = ["order", "body", "author", "created_at"]

    @admin.display(description=_("note"))
    def excerpt(self, note):
        return str(note)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            note = services.order_note_add(order=obj.order, author=request.user, body=obj.body)
            # The admin goes on with `obj` (log entry, redirect): make it the saved note.
            obj.pk, obj.author, obj.created_at, obj.body = note.pk, note.author, note.created_at, note.body
            obj._state.adding = False
