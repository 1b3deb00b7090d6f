"""Orders with their lines, payments, parcels and private notes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Order, OrderLine, OrderNote, Payment, Shipment
from .order_import import OrderImportMixin
from .scoping import ShopScopedAdmin, ShopScopedInline


def _personalisation_text(fields) -> str:
    return "; ".join(f"{item.get('label', '')}={item.get('value', '')}" for item in fields or [])


class OrderLineInline(ShopScopedInline, admin.TabularInline):
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


class PaymentInline(ShopScopedInline, admin.TabularInline):
    model = Payment
    fields = ["method", "status", "amount", "reference", "cleared_at"]
    extra = 0


class ShipmentInline(ShopScopedInline, admin.TabularInline):
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


class OrderNoteInline(ShopScopedInline, admin.TabularInline):
    model = OrderNote
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Order)
class OrderAdmin(OrderImportMixin, ShopScopedAdmin):
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
        if formset.model is Payment:
            super().save_formset(request, form, formset, change)
            services.payments_saved({form.instance.pk})
            return
        if formset.model is not OrderNote:
            return super().save_formset(request, form, formset, change)
        for note in formset.save(commit=False):
            if note.pk is None:
                services.order_note_add(order=form.instance, author=request.user, body=note.body)
            else:
                note.save()
        for note in formset.deleted_objects:
            note.delete()


@admin.register(OrderLine)
class OrderLineAdmin(ShopScopedAdmin):
    list_display = ["order", "position", "sku", "title", "quantity", "unit_price", "personalisation_text"]
    list_filter = ["order__shop", "product__personalisable"]
    search_fields = ["=order__number", "sku", "title"]
    list_select_related = ["order__shop"]
    autocomplete_fields = ["order", "product"]

    @admin.display(description=_("personalisation"))
    def personalisation_text(self, line):
        return _personalisation_text(line.personalisation)


@admin.register(Payment)
class PaymentAdmin(ShopScopedAdmin):
    list_display = ["order", "method", "status", "amount", "reference", "cleared_at"]
    list_filter = ["method", "status", ("cleared_at", admin.EmptyFieldListFilter), "order__shop"]
    search_fields = ["=reference", "=order__number", "order__buyer__email"]
    list_select_related = ["order__shop"]
    autocomplete_fields = ["order"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.payments_saved({obj.order_id})


@admin.register(OrderNote)
class OrderNoteAdmin(ShopScopedAdmin):
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
