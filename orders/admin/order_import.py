"""The CSV import on the order changelist: django-import-export's button and URL, our importer.

import-export imports row by row; an order spans several rows and must go
through orders_upsert like the API and the command, so the view is ours.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from .. import tenancy
from ..importing import COLUMNS, DEFAULT_BATCH, REQUIRED_COLUMNS, orders_import_csv

# The import page shows this many errors; the command prints them all.
IMPORT_ERRORS_SHOWN = 500


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon. For files with many thousand rows use manage.py import_orders."
        ),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)


class OrderImportMixin(ImportMixin):
    import_template_name = "admin/orders/order/import.html"

    def has_import_permission(self, request):
        return request.user.has_perm("orders.add_order") and request.user.has_perm("orders.change_order")

    def get_urls(self):
        # No confirm step: a dry run is a checkbox on the one import page.
        return [url for url in super().get_urls() if url.name != "orders_order_process_import"]

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = OrderImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = orders_import_csv(
                file=form.cleaned_data["file"],
                batch_size=DEFAULT_BATCH,
                dry_run=form.cleaned_data["dry_run"],
                # An owner imports into their own shops; a row of any other is an unknown shop.
                shop_ids=tenancy.shop_id_set(request.user),
            )
            summary = _("%(rows)s rows: %(created)s new orders, %(updated)s updated, %(failed)s failed.") % {
                "rows": report.rows,
                "created": report.orders_created,
                "updated": report.orders_updated,
                "failed": report.orders_failed,
            }
            messages.add_message(request, messages.WARNING if report.errors else messages.SUCCESS, summary)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import orders from CSV"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "errors_shown": report.errors[:IMPORT_ERRORS_SHOWN] if report else [],
            "errors_hidden": max(0, len(report.errors) - IMPORT_ERRORS_SHOWN) if report else 0,
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        }
        return TemplateResponse(request, [self.import_template_name], context)
