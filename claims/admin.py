from django.contrib import admin

from orders.admin import ShopScopedAdmin, ShopScopedInline

from .models import CarrierClaim, CarrierContract, Claim, ClaimLine, ClaimPhoto, Resolution, StallThreshold


class ClaimLineInline(ShopScopedInline, admin.TabularInline):
    model = ClaimLine
    extra = 0
    raw_id_fields = ["order_line"]


class ClaimPhotoInline(ShopScopedInline, admin.TabularInline):
    model = ClaimPhoto
    extra = 0
    readonly_fields = ["file", "content_type", "size", "uploaded_at"]


class CarrierClaimInline(ShopScopedInline, admin.TabularInline):
    model = CarrierClaim
    extra = 0
    fields = ["carrier", "reference", "status", "filed_at", "deadline", "claimed_amount", "liability_cap"]
    readonly_fields = ["status", "filed_at", "deadline", "claimed_amount", "liability_cap"]


@admin.register(Claim)
class ClaimAdmin(ShopScopedAdmin):
    list_display = ["case", "type", "shipment", "dispute_provider", "respond_by", "created_at"]
    list_filter = ["type", "dispute_provider", "case__shop"]
    search_fields = [
        "case__reference",
        "case__order__number",
        "dispute_reference",
        "shipment__tracking_number",
    ]
    list_select_related = ["case", "shipment__carrier"]
    raw_id_fields = ["case", "shipment"]
    readonly_fields = ["evidence", "evidence_computed_at"]
    inlines = [ClaimLineInline, ClaimPhotoInline, CarrierClaimInline]


@admin.register(CarrierClaim)
class CarrierClaimAdmin(ShopScopedAdmin):
    list_display = [
        "claim",
        "carrier",
        "reference",
        "status",
        "filed_at",
        "deadline",
        "claimed_amount",
        "liability_cap",
        "recovered_amount",
    ]
    list_filter = ["status", "carrier"]
    search_fields = ["reference", "claim__case__reference"]
    list_select_related = ["claim__case", "carrier"]
    # Recovered money moves the case's net loss, and the amount is checked against the cap:
    # change them through the desk or the API.
    readonly_fields = [
        "status",
        "filed_at",
        "claimed_amount",
        "recovered_amount",
        "deadline",
        "deadline_from",
        "liability_cap",
        "reminded_soon_at",
        "reminded_due_at",
    ]
    raw_id_fields = ["claim"]


@admin.register(Resolution)
class ResolutionAdmin(ShopScopedAdmin):
    list_display = [
        "case",
        "action",
        "amount",
        "goods_cost",
        "shipping_cost",
        "goodwill",
        "created_by",
        "created_at",
    ]
    list_filter = ["action", "goodwill"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "created_by"]
    readonly_fields = [f.name for f in Resolution._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(StallThreshold)
class StallThresholdAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = ["shop", "carrier", "international", "days"]
    list_filter = ["shop", "carrier", "international"]


@admin.register(CarrierContract)
class CarrierContractAdmin(ShopScopedAdmin):
    """The shop's own figures with a carrier; empty fields keep the carrier's published terms."""

    owner_managed = True
    list_display = [
        "shop",
        "carrier",
        "loss_window_days",
        "damage_window_days",
        "liability_limit",
        "insured_amount",
    ]
    list_filter = ["shop", "carrier"]
