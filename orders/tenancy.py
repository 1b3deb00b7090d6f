"""Which shops a user may see and act in: the one answer the desk, the API, the admin and the services ask.

A shop is a tenant. A user belongs to shops through `Membership` rows (owner,
agent or integration); a superuser sees every shop. Everything a user reads
goes through `in_shops`; one object by its key through `get_in_shops_or_404`,
so another shop's object answers exactly like one that does not exist and
nobody learns that it does.

The user's shops are not read into Python first: `in_shops` filters on a
subquery of their memberships, so a page costs no extra query and a revoked
membership counts from the very next query, with no cached copy to go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Membership, Role, Shop

EVERY_ROLE = tuple(Role.values)
# The roles that work cases; an integration user only pushes orders and tracking and opens claims.
STAFF_ROLES = (Role.OWNER, Role.AGENT)


def sees_every_shop(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def _memberships(user, roles: Iterable[str]) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user.pk, role__in=list(roles))


def shop_ids(user, *, roles: Iterable[str] = EVERY_ROLE):
    """The ids of the user's shops, as a subquery to filter on; None for a superuser (every shop)."""
    if sees_every_shop(user):
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return Membership.objects.none().values("shop_id")
    return _memberships(user, roles).values("shop_id")


def shop_id_set(user, *, roles: Iterable[str] = EVERY_ROLE) -> frozenset[int] | None:
    """The same ids read into Python (one query), for services that check a batch against them."""
    ids = shop_ids(user, roles=roles)
    return None if ids is None else frozenset(ids.values_list("shop_id", flat=True))


@cache
def shop_path(model: type[Model]) -> str | None:
    """The lookup from `model` to its shop ("shop", "order__shop", "claim__case__shop"), or None.

    Found by following foreign keys, shortest way first: the rows of a shop hang
    off it by at most a few of them, and a model with no way there (carriers,
    users, groups) is no shop's data.
    """
    if model is Shop:
        return ""
    paths: list[tuple[str, type[Model]]] = [("", model)]
    seen = {model}
    for _depth in range(4):
        found, next_paths = [], []
        for prefix, current in paths:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                target = field.related_model
                path = f"{prefix}{field.name}"
                if target is Shop:
                    found.append(path)
                elif target not in seen and target is not get_user_model():
                    next_paths.append((f"{path}__", target))
        if found:
            return found[0]
        seen.update(target for _prefix, target in next_paths)
        paths = next_paths
    return None


def in_shops(queryset: QuerySet, user, *, roles: Iterable[str] = EVERY_ROLE, path: str | None = None):
    """The rows of `queryset` that belong to the user's shops (all of them for a superuser)."""
    ids = shop_ids(user, roles=roles)
    if ids is None:
        return queryset
    path = shop_path(queryset.model) if path is None else path
    if path is None:
        raise ValueError(f"{queryset.model.__name__} belongs to no shop; nothing to scope it by.")
    return queryset.filter(**{f"{path}__in" if path else "pk__in": ids})


def get_in_shops_or_404(queryset: QuerySet, user, *, roles: Iterable[str] = EVERY_ROLE, **lookup):
    """One row of the user's shops, or 404: another shop's row answers as if it did not exist."""
    try:
        return in_shops(queryset, user, roles=roles).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def shops_of(user, *, roles: Iterable[str] = EVERY_ROLE) -> QuerySet[Shop]:
    return in_shops(Shop.objects.all(), user, roles=roles)


def is_member(user, shop, *, roles: Iterable[str] = EVERY_ROLE) -> bool:
    """Whether `user` may act in `shop` in one of `roles` (a superuser in every shop)."""
    if sees_every_shop(user):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    shop_id = shop.pk if isinstance(shop, Shop) else shop
    return _memberships(user, roles).filter(shop_id=shop_id).exists()


def members(shop, *, roles: Iterable[str] = EVERY_ROLE) -> QuerySet:
    """The active users who are members of `shop` in one of `roles`."""
    shop_id = shop.pk if isinstance(shop, Shop) else shop
    return get_user_model().objects.filter(
        is_active=True, memberships__shop_id=shop_id, memberships__role__in=list(roles)
    )


def users_in_shops(user, *, roles: Iterable[str] = EVERY_ROLE) -> QuerySet:
    """The users `user` may see and pick (an assignee, an agent's limit): the members of their shops."""
    users = get_user_model().objects.all()
    ids = shop_ids(user, roles=roles)
    if ids is None:
        return users
    return users.filter(memberships__shop_id__in=ids).distinct()
