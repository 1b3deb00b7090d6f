"""Buyers, with their orders and the risk flag an owner sets with a reason."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Buyer, Order, RiskFlag
from ..names import clean_name
from .scoping import ShopScopedAdmin, ShopScopedInline


class BuyerOrderInline(ShopScopedInline, admin.TabularInline):
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
        fields = [
            "shop",
            "email",
            "name",
            "salutation",
            "first_name",
            "last_name",
            "language",
            "risk_flag",
            "risk_reason",
        ]

    def clean_name(self):
        # The name goes into the To header of the buyer's e-mails: one line, whatever was pasted.
        return clean_name(self.cleaned_data.get("name", ""))

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
class BuyerAdmin(ShopScopedAdmin):
    form = BuyerForm
    list_display = ["email", "name", "shop", "language", "risk_flag", "order_count", "created_at"]
    list_filter = ["risk_flag", "language", "shop"]
    search_fields = ["email", "name"]
    # Explicit: the order count's GROUP BY drops the model's ordering (the autocomplete pages by it).
    ordering = ["email"]
    list_select_related = ["shop"]
    readonly_fields = ["risk_set_by", "risk_set_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["shop", "email", "name", "language", "created_at"]}),
        (_("Greeting"), {"fields": ["salutation", "first_name", "last_name"]}),
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
