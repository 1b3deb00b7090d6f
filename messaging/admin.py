from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders.admin import ShopScopedAdmin, ShopScopedInline

from .models import (
    BuyerEvent,
    CannedReply,
    DeliveryEvent,
    EmailTemplateOverride,
    InboundAttachment,
    InboundDelivery,
    InboundMessage,
    OutboundMessage,
    OwnerNotificationSetting,
)
from .overrides import documented_variables
from .rendering import forget_overrides, render_event, sample_context
from .services.deliveries import inbound_delivery_release
from .services.overrides import override_check, preview_context


class ReadOnlyAdmin(ShopScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "event", "to_email", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "event", "audience", "language"]
    search_fields = ["case__reference", "to_email", "message_id", "esp_message_id"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"
    exclude = ["context"]
    readonly_fields = ["context_json"]

    @admin.display(description=_("context"))
    def context_json(self, obj):
        return obj.context


class InboundAttachmentInline(ShopScopedInline, admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["filename", "mimetype", "size", "file"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "case", "from_email", "subject", "auto_submitted", "sender_differs"]
    list_filter = ["auto_submitted", "sender_differs"]
    search_fields = ["case__reference", "from_email", "subject"]
    list_select_related = ["case"]
    inlines = [InboundAttachmentInline]


@admin.register(InboundDelivery)
class InboundDeliveryAdmin(ReadOnlyAdmin):
    """The ESP's posts of buyers' mail; held ones ("limited") can be read in past the limits."""

    list_display = ["received_at", "esp", "sender", "shop", "status", "attempts", "error"]
    list_filter = ["status", "esp"]
    search_fields = ["sender"]
    list_select_related = ["shop"]
    date_hierarchy = "received_at"
    exclude = ["body", "meta"]
    actions = ["read_in"]

    @admin.action(description=_("Read in past the limits"))
    def read_in(self, request, queryset):
        released = sum(inbound_delivery_release(delivery=delivery) for delivery in queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery will be read in.", "%(count)d deliveries will be read in.", released)
            % {"count": released},
            messages.SUCCESS,
        )


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "esp", "event_type", "recipient", "message"]
    list_filter = ["esp", "event_type"]


@admin.register(CannedReply)
class CannedReplyAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = ["title", "language", "action", "shop"]
    list_filter = ["language", "action", "shop"]
    search_fields = ["title", "body"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["body"].help_text = _(
            "Placeholders filled from the case: {buyer_name}, {order_number}, {case_reference}, "
            "{tracking_number}, {tracking_link}, {carrier_name}, {shop_name}, {agent_name}."
        )
        return form


@admin.register(OwnerNotificationSetting)
class OwnerNotificationSettingAdmin(ShopScopedAdmin):
    """Belongs to a person, not a shop: an owner sees and sets only their own."""

    list_display = ["user", "event", "enabled"]
    list_filter = ["event", "enabled"]

    def _shared(self) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EmailTemplateOverrideForm(forms.ModelForm):
    class Meta:
        model = EmailTemplateOverride
        fields = ["shop", "event", "language", "active", "subject", "body"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("event"):
            # A text that would print literal tags or nothing where a variable stood is never saved.
            try:
                override_check(
                    event=cleaned["event"], subject=cleaned.get("subject", ""), body=cleaned.get("body", "")
                )
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    if field in self.fields:
                        self.add_error(field, messages_)
        return cleaned


@admin.register(EmailTemplateOverride)
class EmailTemplateOverrideAdmin(ShopScopedAdmin):
    owner_managed = True
    form = EmailTemplateOverrideForm
    list_display = ["event", "language", "shop", "active", "updated_at"]
    list_filter = ["event", "language", "shop", "active"]
    readonly_fields = ["variables", "default_text", "preview"]
    fields = ["shop", "event", "language", "active", "subject", "body", "variables", "preview", "default_text"]

    # The preview is the e-mail's HTML in a sandboxed srcdoc frame, which inherits the page's
    # Content-Security-Policy: its <style> and style attributes need inline styles on this page.
    @method_decorator(csp_update({"style-src": [UNSAFE_INLINE]}))
    def changeform_view(self, *args, **kwargs):
        return super().changeform_view(*args, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_overrides()  # this process at once; workers within OVERRIDE_CACHE_SECONDS

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["body"].help_text = _(
            "Plain text with the variables listed below, e.g. {{ greeting }}, {{ case_reference }}, "
            "{{ tracking_number }}, and {% if %} … {% endif %}. The HTML part is made from this text; "
            "the footer with your contact details is added. Save and continue editing to see the preview."
        )
        return form

    @admin.display(description=_("variables you can use"))
    def variables(self, obj):
        event = obj.event if obj and obj.event else BuyerEvent.CLAIM_RECEIVED
        rows = format_html_join(
            "", "<tr><td><code>{{{{ {} }}}}</code></td><td>{}</td></tr>", documented_variables(event)
        )
        return format_html('<table class="postsale-variables">{}</table>', rows)

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj or not obj.pk:
            return "—"
        context, reference = preview_context(event=obj.event, shop=obj.shop, language=obj.language)
        rendered = render_event(
            obj.event,
            context,
            language=obj.language,
            time_zone=obj.shop.time_zone if obj.shop else None,
            override=obj,
        )
        source = format_html("<p>{}</p>", reference or _("With made-up details: this shop has no case yet."))
        return format_html(
            '{}<p><strong>{}</strong></p><iframe sandbox="" srcdoc="{}" '
            'style="width:100%;max-width:680px;height:480px;border:1px solid #ccc"></iframe>',
            source,
            rendered.subject,
            rendered.html,
        )

    @admin.display(description=_("default text (from the template files)"))
    def default_text(self, obj):
        if not obj or not obj.event:
            return "—"
        rendered = render_event(obj.event, sample_context(obj.shop), language=obj.language or "en")
        return format_html("<p><strong>{}</strong></p><pre>{}</pre>", rendered.subject, rendered.text)
