"""Shops, the carriers they ship with, and the products they sell."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Carrier, Product, Shop
from .scoping import ShopScopedAdmin


@admin.register(Carrier)
class CarrierAdmin(ShopScopedAdmin):
    list_display = ["name", "code", "tracking_url"]
    search_fields = ["name", "code"]


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    owner_managed = True
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
