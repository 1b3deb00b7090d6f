from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.admin import ShopScopedAdmin, ShopScopedInline

from .models import NOTHING_ACCEPTED, InspectionPhoto, LabelSource, ReturnLine, ReturnPolicy, ReturnRequest

RETURN_ADDRESS_FIELDS = [
    "return_name",
    "return_line1",
    "return_line2",
    "return_postal_code",
    "return_city",
    "return_country",
]


class ReturnPolicyForm(forms.ModelForm):
    class Meta:
        model = ReturnPolicy
        # The admin adds the rest from its fieldsets; the address is what this form checks.
        fields = RETURN_ADDRESS_FIELDS

    def clean(self):
        data = super().clean()
        # A half-filled address prints a label no carrier can deliver; none at all is allowed
        # (the label then shows the shop's contact) and warned about when saving.
        started = any(data.get(field) for field in RETURN_ADDRESS_FIELDS)
        missing = [f for f in ("return_line1", "return_postal_code", "return_city") if not data.get(f)]
        if started and missing:
            for field in missing:
                self.add_error(field, _("Return labels need street, postal code and city."))
        if data.get("label_source", LabelSource.OWN) != LabelSource.OWN and (not started or missing):
            # A carrier sells no label without an address to deliver it to.
            self.add_error(
                "label_source", _("Carrier labels need the return address: street, postal code and city.")
            )
        return data


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(ShopScopedAdmin):
    owner_managed = True
    form = ReturnPolicyForm
    list_display = ["shop", "window_days", "free_returns", "return_fee", "exchanges_allowed", "refund_method"]
    list_select_related = ["shop"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "shop",
                    "window_days",
                    "exchanges_allowed",
                    "refund_method",
                    "refund_processing_days",
                ]
            },
        ),
        (_("Fees"), {"fields": ["free_returns", "return_fee", "keep_item_below"]}),
        (
            _("Restocking fee by condition (% of the line value)"),
            {
                "fields": [
                    "restocking_as_new_percent",
                    "restocking_opened_percent",
                    "restocking_used_percent",
                    "restocking_damaged_percent",
                ]
            },
        ),
        (_("Shipping back"), {"fields": ["pickup_weight_threshold_g", "label_expiry_days"]}),
        (
            _("Return labels"),
            {
                "fields": ["label_source", "label_carriers", "label_service", "label_default_weight_g"],
                "description": _(
                    "Carrier labels are bought through the shop's EasyPost integration (its API key) when a"
                    " return is approved; our own PDF carries no postage."
                ),
            },
        ),
        (
            _("Return address"),
            {
                "fields": RETURN_ADDRESS_FIELDS,
                "description": _(
                    "Printed on every return label. Without it the label shows only the shop's name"
                    " and support contact, and the parcel may not reach you."
                ),
            },
        ),
        (
            _("Packing instructions (one step a line; blank shows ours)"),
            {"fields": ["packing_instructions_de", "packing_instructions_sv", "packing_instructions_en"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.has_return_address:
            self.message_user(
                request,
                _("%(shop)s has no return address: return labels will show only the shop's contact.")
                % {"shop": obj.shop},
                messages.WARNING,
            )


class ReturnLineInline(ShopScopedInline, admin.TabularInline):
    model = ReturnLine
    extra = 0
    raw_id_fields = ["order_line"]
    # Reception and inspection move stock and money: they go through the services (desk or API).
    readonly_fields = ["received_quantity", "condition", "accepted_quantity", "rejected_quantity"]

    def has_add_permission(self, request, obj=None):
        return False


class ReturnRequestForm(forms.ModelForm):
    """Shows the reason inspection stored in the reader's language, and stores it in English again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reject_reason" in self.fields and self.instance.reject_reason == NOTHING_ACCEPTED:
            self.initial["reject_reason"] = gettext(NOTHING_ACCEPTED)

    def clean_reject_reason(self):
        reason = self.cleaned_data["reject_reason"]
        return NOTHING_ACCEPTED if reason == gettext(NOTHING_ACCEPTED) else reason


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ShopScopedAdmin):
    form = ReturnRequestForm
    list_display = ["rma", "order", "status", "method", "resolution", "created_at", "expires_at"]
    list_filter = ["status", "method", "resolution", "order__shop"]
    search_fields = ["rma", "case__reference", "order__number", "tracking_number", "order__buyer__email"]
    list_select_related = ["order__shop"]
    raw_id_fields = ["case", "order", "refund", "exchange_order"]
    readonly_fields = [
        "status",
        "terms",
        "policy_exceptions",
        "keep_item",
        "label_pdf",
        "label_issued_at",
        "approved_at",
        "first_scan_at",
        "received_at",
        "inspected_at",
        "expired_at",
        "closed_at",
        "goods_value",
        "restocking_fee",
        "return_fee",
        "refund",
        "exchange_order",
    ]
    inlines = [ReturnLineInline]

    def has_add_permission(self, request):
        return False


@admin.register(InspectionPhoto)
class InspectionPhotoAdmin(ShopScopedAdmin):
    list_display = ["line", "content_type", "size", "uploaded_at"]
    readonly_fields = ["line", "file", "content_type", "size", "uploaded_at"]

    def has_add_permission(self, request):
        return False
