from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.admin import ShopScopedAdmin, ShopScopedInline

from . import sla
from .models import Case, CaseEvent, CaseNote, ClosedDay, OpeningHours, Refund, RefundLimit, SlaPolicy


class CaseEventInline(ShopScopedInline, admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "verb", "old", "new", "data"]
    readonly_fields = fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class CaseNoteInline(ShopScopedInline, admin.TabularInline):
    model = CaseNote
    extra = 0
    fields = ["created_at", "author", "body"]
    readonly_fields = ["created_at", "author"]


class RefundInline(ShopScopedInline, admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["created_at", "amount", "currency", "method", "status", "expected_arrival", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ShopScopedAdmin):
    list_display = [
        "reference",
        "kind",
        "status",
        "priority",
        "shop",
        "order",
        "buyer",
        "assignee",
        "opened_at",
        "cost_total",
        "recovered_total",
    ]
    list_filter = ["kind", "status", "shop", "opened_via", "language"]
    search_fields = ["reference", "order__number", "buyer__email", "buyer__name"]
    list_select_related = ["shop", "order", "buyer", "assignee"]
    raw_id_fields = ["order", "buyer", "assignee"]
    date_hierarchy = "opened_at"
    # Status, money and the timeline change only through the services, so the audit stays whole.
    readonly_fields = [
        "reference",
        "kind",
        "shop",
        "order",
        "buyer",
        "status",
        "priority",
        "opened_via",
        "order_value",
        "currency",
        "opened_at",
        "resolved_at",
        "closed_at",
        "first_response_due",
        "first_responded_at",
        "resolution_due",
        "cost_total",
        "recovered_total",
    ]
    inlines = [CaseNoteInline, RefundInline, CaseEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Refund)
class RefundAdmin(ShopScopedAdmin):
    list_display = [
        "id",
        "case",
        "order",
        "amount",
        "currency",
        "method",
        "status",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "method", "gateway"]
    search_fields = ["case__reference", "order__number", "idempotency_key", "gateway_reference"]
    list_select_related = ["case", "order__shop"]
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RefundLimit)
class RefundLimitAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = ["who", "shop", "amount", "daily_amount"]
    list_filter = ["shop", "group"]
    list_select_related = ["shop", "user", "group"]
    search_fields = ["user__username", "group__name"]
    fields = ["shop", "user", "group", "amount", "daily_amount"]

    @admin.display(description=_("agent or group"))
    def who(self, obj):
        return obj.user or obj.group


class _SlaSetting(ShopScopedAdmin):
    """A shop's SLA configuration: changed by its owners, and every change re-measures its open cases."""

    owner_managed = True
    list_select_related = ["shop"]
    list_filter = ["shop"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sla.sla_changed(obj.shop)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        sla.sla_changed(obj.shop)

    def delete_queryset(self, request, queryset):
        shops = {row.shop for row in queryset.select_related("shop")}
        super().delete_queryset(request, queryset)
        for shop in shops:
            sla.sla_changed(shop)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(_SlaSetting):
    list_display = ["shop", "case_type", "first_response_hours", "resolution_hours", "updated_at"]
    fields = ["shop", "case_type", "first_response_hours", "resolution_hours"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(_SlaSetting):
    list_display = ["shop", "weekday", "opens", "closes"]
    fields = ["shop", "weekday", "opens", "closes"]


@admin.register(ClosedDay)
class ClosedDayAdmin(_SlaSetting):
    list_display = ["shop", "date", "name"]
    fields = ["shop", "date", "name"]
    date_hierarchy = "date"
