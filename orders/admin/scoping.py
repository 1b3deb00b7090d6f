"""The admin for staff who are not superusers: every list, page and choice limited to their shops.

Every model admin and inline of Postsale takes `ShopScopedAdmin` or
`ShopScopedInline` (a test checks that none is missing):

- its rows are those of the user's shops (`tenancy.shop_path` finds the way
  from the model to its shop), so another shop's change page answers like a
  deleted object, and its list, search and filters never show another shop;
- every foreign-key and many-to-many choice is limited the same way, so a form
  cannot even offer another shop's buyer, order or agent, and a typed-in id of
  one is refused as an invalid choice;
- a shop's configuration (`owner_managed`: the shop itself, its matrix,
  limits, policy, texts, integrations, memberships) is changed only by the
  shop's owners; its agents may look;
- a model of no shop (carriers) is shared by every shop: only a superuser
  changes it.

A superuser sees and changes everything, as before shops were tenants.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

from .. import tenancy
from ..models import Role


def choices_for(model, user, *, roles):
    """The rows of `model` that `user` may pick in a form, or None for no limit (a model of no shop)."""
    if tenancy.sees_every_shop(user):
        return None
    if model is get_user_model():
        return tenancy.users_in_shops(user, roles=roles)
    if tenancy.shop_path(model) is None:
        return None
    return tenancy.in_shops(model._default_manager.all(), user, roles=roles)


def _owns_a_shop(request) -> bool:
    # Asked for every model on the admin's index: read once per request.
    if not hasattr(request, "_postsale_owns_a_shop"):
        request._postsale_owns_a_shop = tenancy.shops_of(request.user, roles=[Role.OWNER]).exists()
    return request._postsale_owns_a_shop


def _owns(request, obj) -> bool:
    """Whether the user owns the shop of `obj` (for an inline, `obj` is the page's object)."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    return tenancy.in_shops(rows, request.user, roles=[Role.OWNER]).exists()


class _Scoped:
    owner_managed = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if tenancy.shop_path(self.model) is None:
            return queryset
        return tenancy.in_shops(queryset, request.user)

    def _choice_roles(self):
        # What a form may point at: for a shop's configuration, only the shops the user owns.
        return [Role.OWNER] if self.owner_managed else tenancy.EVERY_ROLE

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = choices_for(db_field.related_model, request.user, roles=self._choice_roles())
            if choices is not None:
                kwargs["queryset"] = choices
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        path = tenancy.shop_path(self.model)
        if (
            field is not None
            and path
            and db_field.name == path.split("__")[0]
            and not request.user.is_superuser
        ):
            # An empty shop means "every shop" (a refund limit, a canned reply, an e-mail text):
            # a row only a superuser may write.
            field.required = True
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = choices_for(db_field.related_model, request.user, roles=self._choice_roles())
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _shared(self) -> bool:
        """Rows of no shop: every shop's, so only a superuser may change them."""
        return tenancy.shop_path(self.model) is None

    def _may_write(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if self._shared():
            return False
        if not self.owner_managed:
            return True
        # A shop's configuration: its agents may look, only its owners change it.
        return _owns(request, obj) if obj is not None else _owns_a_shop(request)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request, obj) and super().has_delete_permission(request, obj)


class ShopScopedAdmin(_Scoped, admin.ModelAdmin):
    def has_add_permission(self, request):
        return self._may_write(request) and super().has_add_permission(request)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        # A filter by shop, order, agent... offers only what the user's rows hold, never every
        # shop's: the choices of a plain related filter are the whole table.
        return [self._only_what_is_shown(item) for item in filters]

    def _only_what_is_shown(self, item):
        if not isinstance(item, str):
            return item
        try:
            field = get_fields_from_path(self.model, item)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return item
        related = getattr(field, "related_model", None)
        if related is None or (related is not get_user_model() and tenancy.shop_path(related) is None):
            return item
        return (item, admin.RelatedOnlyFieldListFilter)


class ShopScopedInline(_Scoped):
    """For inlines, mixed in before TabularInline or StackedInline."""

    def has_add_permission(self, request, obj=None):
        return self._may_write(request) and super().has_add_permission(request, obj)
