"""Who works for which shop: an owner adds agents to their shops here, creating the user if need be.

An owner sees the memberships of the shops they own, adds agents to them and
removes agents from them; owners and integration users are granted by a
superuser (here or with `manage.py grant_shop_access`). Every change goes
through `orders.services`, which keeps an integration user to one shop and
sends a removed agent's open cases back to the queue.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import services, tenancy
from ..models import Membership, Role
from .scoping import ShopScopedAdmin


class MembershipAddForm(forms.ModelForm):
    username = forms.CharField(
        label=_("user name"),
        max_length=150,
        help_text=_("Someone who already works for one of your shops, or a new user to create."),
    )
    email = forms.EmailField(label=_("e-mail"), required=False, help_text=_("Only for a new user."))
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Only for a new user; they can change it later."),
    )

    # The admin sets it: whose shops' people may be added by name.
    request = None

    class Meta:
        model = Membership
        fields = ["shop", "role"]

    def clean(self):
        cleaned = super().clean()
        username = (cleaned.get("username") or "").strip()
        self.existing_user = get_user_model().objects.filter(username__iexact=username).first()
        if self.existing_user is None:
            if not cleaned.get("password"):
                self.add_error("password", _("A new user needs a password."))
            else:
                try:
                    validate_password(cleaned["password"], get_user_model()(username=username))
                except ValidationError as error:
                    self.add_error("password", error)
            return cleaned
        # People of other shops are not an owner's to pick: only a superuser adds them by name.
        known = tenancy.users_in_shops(self.request.user, roles=[Role.OWNER])
        if not known.filter(pk=self.existing_user.pk).exists():
            self.add_error(
                "username",
                _("A user with this name exists already; choose another name, or ask an administrator."),
            )
        elif cleaned.get("shop") and cleaned.get("role"):
            try:
                services.membership_check(user=self.existing_user, shop=cleaned["shop"], role=cleaned["role"])
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ShopScopedAdmin):
    owner_managed = True
    list_display = ["user", "shop", "role", "granted_by", "created_at"]
    list_filter = ["shop", "role"]
    search_fields = ["user__username", "user__email", "shop__name"]
    list_select_related = ["user", "shop", "granted_by"]
    readonly_fields = ["granted_by", "created_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        if not request.user.is_superuser and "role" in form.base_fields:
            # Owners add agents; a shop's owners and its integration user are a superuser's to grant.
            form.base_fields["role"].choices = [(Role.AGENT.value, Role.AGENT.label)]
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["shop", "role", "username", "email", "password"]
        return ["user", "shop", "role", "granted_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user", "shop"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # A role changes with a superuser only: an owner cannot make an agent an owner, nor demote one.
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role != Role.AGENT and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            membership = services.membership_grant(
                user=obj.user, shop=obj.shop, role=obj.role, by=request.user
            )
        elif form.existing_user is not None:
            membership = services.membership_grant(
                user=form.existing_user, shop=obj.shop, role=obj.role, by=request.user
            )
        else:
            membership = services.member_create(
                shop=obj.shop,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                role=obj.role,
                by=request.user,
            )
        # The admin goes on with `obj` (log entry, redirect): make it the saved membership.
        obj.pk, obj.user, obj.granted_by, obj.created_at = (
            membership.pk,
            membership.user,
            membership.granted_by,
            membership.created_at,
        )
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.membership_revoke(user=obj.user, shop=obj.shop, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "shop"):
            if self.has_delete_permission(request, membership):
                services.membership_revoke(user=membership.user, shop=membership.shop, by=request.user)
