"""Shops, the carriers they ship with, and the products they sell."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Carrier, Product, Shop


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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
