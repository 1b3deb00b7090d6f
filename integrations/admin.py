"""Admin for owners: connect providers, see what arrived, retry what failed."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders.admin import ShopScopedAdmin

from . import services, vault
from .models import InboundEvent, InboundStatus, Integration

RECENT = timedelta(days=7)


def webhook_url(integration: Integration) -> str:
    if not integration.receives_webhooks:
        return ""
    path = reverse("integrations:webhook", args=[integration.source, integration.shop.slug])
    return f"{settings.SITE_URL}{path}"


class IntegrationForm(forms.ModelForm):
    # Write-only: the stored value is never sent to the browser. Left empty on a
    # change, the stored secret stays.
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Shopify: the app's client secret. WooCommerce, EasyPost, AfterShip: the webhook secret. "
            "Stripe: the endpoint's signing secret (whsec_…). PayPal: the webhook ID. "
            "Leave empty to keep the stored one."
        ),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Only for PostNord or DHL when the shop has its own key. Leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = Integration
        fields = ["shop", "source", "secret", "api_key", "active"]

    # The form's values are what the owner typed; the model stores them sealed (integrations.vault).
    def clean_secret(self):
        secret = self.cleaned_data["secret"].strip()
        if not secret:
            if self.instance.pk:
                return self.instance.secret
            if self.cleaned_data.get("source") not in ("postnord", "dhl"):
                raise forms.ValidationError(_("The signing secret is required."))
        return vault.seal(secret)

    def clean_api_key(self):
        api_key = self.cleaned_data["api_key"].strip()
        if api_key:
            return vault.seal(api_key)
        return self.instance.api_key if self.instance.pk else ""


@admin.register(Integration)
class IntegrationAdmin(ShopScopedAdmin):
    owner_managed = True
    form = IntegrationForm
    list_display = ["shop", "source", "active", "last_event_at", "recent_failures", "webhook_url_display"]
    list_filter = ["source", "active"]
    search_fields = ["shop__name", "shop__slug"]
    list_select_related = ["shop"]
    readonly_fields = ["last_event_at", "webhook_url_display", "failures_list"]

    def get_fields(self, request, obj=None):
        fields = ["shop", "source", "secret", "api_key", "active"]
        return fields + (["webhook_url_display", "last_event_at", "failures_list"] if obj else [])

    def get_queryset(self, request):
        since = timezone.now() - RECENT
        return (
            super()
            .get_queryset(request)
            .annotate(
                _failures=Count(
                    "events", filter=Q(events__status=InboundStatus.FAILED, events__received_at__gte=since)
                )
            )
        )

    @admin.display(description=_("failures (7 days)"), ordering="_failures")
    def recent_failures(self, obj):
        if not obj._failures:
            return 0
        url = reverse("admin:integrations_inboundevent_changelist")
        return format_html(
            '<a href="{}?integration__id__exact={}&status__exact=failed">{}</a>', url, obj.pk, obj._failures
        )

    @admin.display(description=_("webhook URL"))
    def webhook_url_display(self, obj):
        return webhook_url(obj) or _("(polled, no webhook)")

    @admin.display(description=_("recent failures"))
    def failures_list(self, obj):
        failures = obj.events.filter(status=InboundStatus.FAILED).order_by("-received_at")[:10]
        if not failures:
            return _("none")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{} {}</a>: {}</li>',
                (
                    (
                        reverse("admin:integrations_inboundevent_change", args=[event.pk]),
                        event.received_at.strftime("%Y-%m-%d %H:%M"),
                        event.topic,
                        event.error[:200],
                    )
                    for event in failures
                ),
            ),
        )


@admin.register(InboundEvent)
class InboundEventAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = [
        "received_at",
        "shop",
        "source",
        "topic",
        "provider_event_id",
        "status",
        "attempts",
        "short_error",
    ]
    list_filter = ["status", "source", "integration", "received_at"]
    search_fields = ["provider_event_id", "topic", "error"]
    list_select_related = ["shop"]
    date_hierarchy = "received_at"
    actions = ["retry"]
    readonly_fields = [
        "integration",
        "shop",
        "source",
        "provider_event_id",
        "topic",
        "status",
        "error",
        "attempts",
        "received_at",
        "processed_at",
        "headers",
        "body",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error[:120]

    @admin.action(description=_("Retry the selected events"), permissions=["change"])
    def retry(self, request, queryset):
        count = services.inbound_event_retry(events=list(queryset))
        self.message_user(
            request,
            ngettext("%(count)d event queued again.", "%(count)d events queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
