"""Admin for shop owners: the decision matrix, its rules, refund limits, and the decisions made.

A matrix is edited with its rules inline; rules that can never match are
reported as warnings. From a matrix an owner creates a draft, simulates the
draft against the cases of the last days, and activates it. The life cycle
lives in `decisions.services`; this module only calls it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from cases.choices import Action
from config.errors import Conflict
from orders.admin import ShopScopedAdmin, ShopScopedInline

from . import services
from .models import DecisionMatrix, DecisionRecord, MatrixStatus, Rule

SIMULATION_DAYS = 90
SIMULATION_ROWS_SHOWN = 500


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{where}: {' '.join(msgs)}" for where, msgs in error.message_dict.items())
    return " ".join(error.messages)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["position", *services.RULE_FIELDS]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        rule = {name: cleaned.get(name) for name in services.RULE_FIELDS}
        for name, problems in services.rule_errors(rule).items():
            # A field Django already rejected (e.g. not a number) keeps its own message.
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, problems)
        return cleaned


class RuleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if self.instance.pk and self.instance.status == MatrixStatus.ACTIVE and not kept:
            raise ValidationError(_("The active matrix needs at least one rule."))


class RuleInline(ShopScopedInline, admin.TabularInline):
    owner_managed = True
    model = Rule
    form = RuleForm
    formset = RuleFormSet
    extra = 0
    ordering = ["position", "id"]
    fields = ["position", *services.RULE_FIELDS]

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(DecisionMatrix)
class DecisionMatrixAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = [
        "shop",
        "version",
        "status",
        "currency",
        "auto_apply_limit",
        "auto_apply_max_claims",
        "rule_count",
        "activated_at",
    ]
    list_filter = ["status", "shop"]
    list_select_related = ["shop"]
    ordering = ["shop__name", "-version"]
    inlines = [RuleInline]
    readonly_fields = [
        "version",
        "status",
        "currency",
        "created_by",
        "created_at",
        "activated_by",
        "activated_at",
        "retired_at",
    ]
    actions = ["create_draft_action", "simulate_action", "activate_action"]
    change_form_template = "admin/decisions/decisionmatrix/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rules_total=Count("rules"))

    @admin.display(description=_("rules"), ordering="rules_total")
    def rule_count(self, obj):
        return obj.rules_total

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["shop", "auto_apply_limit", "auto_apply_max_claims", "note"]
        return ["shop", *self.readonly_fields, "auto_apply_limit", "auto_apply_max_claims", "note"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "shop"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Only a draft nobody decided with can go; versions in use are history.
        if obj is not None and obj.status != MatrixStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            # A new empty draft; its rules come from the inline below.
            obj.version = services.next_matrix_version(obj.shop)
            obj.currency = obj.shop.currency
            obj.status = MatrixStatus.DRAFT
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for warning in services.matrix_warnings(form.instance):
            self.message_user(request, warning, messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            matrix = self.get_object(request, object_id)
            if matrix is not None:
                for warning in services.matrix_warnings(matrix):
                    self.message_user(request, warning, messages.WARNING)
        extra_context = {**(extra_context or {}), "simulation_days": SIMULATION_DAYS}
        return super().change_view(request, object_id, form_url, extra_context)

    # --- draft, simulate, activate ------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/simulate/", wrap(self.simulate_view), name="decisions_decisionmatrix_simulate"),
            path("<int:pk>/activate/", wrap(self.activate_view), name="decisions_decisionmatrix_activate"),
            path("<int:pk>/draft/", wrap(self.create_draft_view), name="decisions_decisionmatrix_draft"),
            *super().get_urls(),
        ]

    def _matrix(self, request, pk):
        # Through the admin's own rows: another shop's matrix is not found, as on its change page.
        return get_object_or_404(self.get_queryset(request).select_related("shop"), pk=pk)

    def _change_url(self, matrix):
        return reverse("admin:decisions_decisionmatrix_change", args=[matrix.pk])

    def _create_draft(self, request, matrix):
        if not self.has_add_permission(request):
            raise PermissionDenied
        draft = services.matrix_create_draft(shop=matrix.shop, by=request.user, from_matrix=matrix)
        self.message_user(
            request,
            _("Version %(new)s is a draft copy of version %(old)s.")
            % {"new": draft.version, "old": matrix.version},
            messages.SUCCESS,
        )
        return draft

    def _activate(self, request, matrix) -> bool:
        if not self.has_change_permission(request, matrix):
            raise PermissionDenied
        try:
            services.matrix_activate(matrix=matrix, by=request.user)
        except (Conflict, ValidationError) as error:
            text = error.message if isinstance(error, Conflict) else _error_text(error)
            self.message_user(request, _("Not activated: %s") % text, messages.ERROR)
            return False
        self.message_user(
            request,
            _("Version %(version)s is now the active matrix of %(shop)s.")
            % {"version": matrix.version, "shop": matrix.shop},
            messages.SUCCESS,
        )
        return True

    def _simulation_page(self, request, matrix, days: int):
        if not self.has_view_permission(request, matrix):
            raise PermissionDenied
        result = services.simulate(draft=matrix, days=days)
        rows = result.changed[:SIMULATION_ROWS_SHOWN]
        done = services.what_was_done([row.case_id for row in rows])
        labels = dict(Action.choices)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Simulation of %(matrix)s") % {"matrix": matrix},
            "matrix": matrix,
            "days": days,
            "result": result,
            "rows": [
                {
                    "row": row,
                    "decided": labels.get(row.old_action, row.old_action),
                    "would_be": labels.get(row.new_action, row.new_action),
                    "done": labels.get(done.get(row.case_id, ""), done.get(row.case_id, "")),
                }
                for row in rows
            ],
            "rows_hidden": max(0, len(result.changed) - SIMULATION_ROWS_SHOWN),
            "can_activate": matrix.status == MatrixStatus.DRAFT
            and self.has_change_permission(request, matrix),
        }
        return TemplateResponse(request, "admin/decisions/simulation.html", context)

    def simulate_view(self, request, pk):
        matrix = self._matrix(request, pk)
        try:
            days = min(max(int(request.GET.get("days", SIMULATION_DAYS)), 1), 3650)
        except ValueError:
            days = SIMULATION_DAYS
        return self._simulation_page(request, matrix, days)

    def activate_view(self, request, pk):
        simulation = reverse("admin:decisions_decisionmatrix_simulate", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(simulation)
        matrix = self._matrix(request, pk)
        if request.POST.get("confirmed") != "1":
            # A draft goes live only from its simulation page, after the owner has said they read it.
            self.message_user(
                request,
                _("Not activated: read what would change on past cases, tick the box, then activate."),
                messages.ERROR,
            )
            return HttpResponseRedirect(simulation)
        self._activate(request, matrix)
        return HttpResponseRedirect(self._change_url(matrix))

    def create_draft_view(self, request, pk):
        matrix = self._matrix(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(matrix))
        return HttpResponseRedirect(self._change_url(self._create_draft(request, matrix)))

    @admin.action(description=_("Create a draft from the selected matrix"))
    def create_draft_action(self, request, queryset):
        for matrix in queryset.select_related("shop"):
            self._create_draft(request, matrix)

    @admin.action(description=_("Simulate (last 90 days)"))
    def simulate_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select one matrix to simulate."), messages.WARNING)
            return None
        return self._simulation_page(request, queryset.select_related("shop").get(), SIMULATION_DAYS)

    @admin.action(description=_("Simulate and activate the selected draft"))
    def activate_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select one draft to activate."), messages.WARNING)
            return None
        # Never straight from the list: the simulation page is where a draft is activated.
        return self._simulation_page(request, queryset.select_related("shop").get(), SIMULATION_DAYS)


@admin.register(DecisionRecord)
class DecisionRecordAdmin(ShopScopedAdmin):
    """The decisions are evidence of what the matrix said and why: nobody edits them here."""

    list_display = [
        "case",
        "shop",
        "action",
        "rule_position",
        "matrix_version",
        "auto_applied",
        "override_action",
        "created_at",
    ]
    list_filter = ["action", "auto_applied", "shop"]
    list_select_related = ["case", "shop"]
    search_fields = ["case__reference"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in DecisionRecord._meta.fields if field.name != "id"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
