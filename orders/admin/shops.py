"""Shops, the carriers they ship with, and the products they sell."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Carrier, Product, Shop, TrackingStatus
from .scoping import ShopScopedAdmin


@admin.register(Carrier)
class CarrierAdmin(ShopScopedAdmin):
    list_display = ["name", "code", "tracking_url"]
    search_fields = ["name", "code"]


# The parcel news a buyer may be told of by e-mail, in the order a parcel lives them.
TRACKING_UPDATE_CHOICES = [
    (TrackingStatus.IN_TRANSIT, _("Shipped (first scan on its way)")),
    (TrackingStatus.OUT_FOR_DELIVERY, _("Out for delivery")),
    (TrackingStatus.AVAILABLE_FOR_PICKUP, _("Waiting at a pickup point (with address and last day)")),
    (TrackingStatus.DELIVERED, _("Delivered")),
    (TrackingStatus.DELIVERY_FAILED, _("Delivery failed")),
    (TrackingStatus.RETURNED_TO_SENDER, _("Returned to sender")),
]


class ShopForm(forms.ModelForm):
    tracking_updates = forms.TypedMultipleChoiceField(
        label=_("Tell the buyer by e-mail when the parcel is"),
        choices=TRACKING_UPDATE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("At most one e-mail per parcel and status, in the buyer's language."),
    )

    class Meta:
        model = Shop
        fields = [
            "name",
            "slug",
            "country",
            "currency",
            "default_language",
            "time_zone",
            "support_email",
            "support_phone",
            "support_url",
            "carriers",
            "packaging_allowance_g",
            "greeting_style",
            "tracking_updates",
        ]


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    owner_managed = True
    form = ShopForm
    list_display = ["name", "slug", "country", "currency", "default_language", "time_zone", "support_email"]
    list_filter = ["country", "currency", "default_language", "carriers"]
    search_fields = ["name", "slug", "support_email"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["carriers"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "country", "currency", "default_language", "time_zone"]}),
        (_("Support contact"), {"fields": ["support_email", "support_phone", "support_url"]}),
        (_("Shipping"), {"fields": ["carriers", "packaging_allowance_g"]}),
        (_("E-mails to buyers"), {"fields": ["greeting_style", "tracking_updates"]}),
    ]

    # A new shop has no owner yet, and a deleted one takes every owner's data with it:
    # both are a superuser's (who then grants the owners, `manage.py grant_shop_access`).
    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Product)
class ProductAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = [
        "sku",
        "title",
        "shop",
        "family",
        "list_price",
        "unit_weight_g",
        "personalisable",
        "returnable",
        "stock_on_hand",
    ]
    list_filter = ["shop", "personalisable", "returnable"]
    search_fields = ["sku", "title", "family"]
    list_select_related = ["shop"]
