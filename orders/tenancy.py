"""Which shops a user may see and act in: the one answer the desk, the API, the admin and the services ask.

A shop is a tenant. A user belongs to shops through `Membership` rows (owner,
agent or integration); a superuser sees every shop. Everything a user reads
goes through `in_shops`; one object by its key through `get_in_shops_or_404`,
so another shop's object answers exactly like one that does not exist and
nobody learns that it does.

The user's shops are read once per request (one indexed query, kept on the
user object, which Django loads afresh for every request) and filtered on as
literal ids. A subquery would save that query but costs far more: PostgreSQL
cannot estimate `shop_id IN (SELECT …)`, guesses that a shop holds a
hundredth of the cases, and sorts thousands of rows instead of walking the
queue's index (a page 7,500 cases deep took 63 ms that way, 1 ms with ids).
A membership granted or revoked counts from the next request; services that
change memberships drop the copy on the user object they were given.
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


_CACHE_ATTRIBUTE = "_postsale_shop_ids"


def _roles_by_shop(user) -> dict[int, str]:
    """Every membership of the user, {shop id: role}, read once per user object (one query)."""
    known = user.__dict__.get(_CACHE_ATTRIBUTE)
    if known is None:
        known = dict(Membership.objects.filter(user_id=user.pk).values_list("shop_id", "role"))
        user.__dict__[_CACHE_ATTRIBUTE] = known
    return known


def shop_ids(user, *, roles: Iterable[str] = EVERY_ROLE) -> frozenset[int] | None:
    """The ids of the user's shops in one of `roles`; None for a superuser (every shop)."""
    if sees_every_shop(user):
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    roles = set(roles)
    return frozenset(shop for shop, role in _roles_by_shop(user).items() if role in roles)


def forget_shop_ids(user) -> None:
    """Drop the ids kept on this user object (after its memberships changed)."""
    user.__dict__.pop(_CACHE_ATTRIBUTE, None)


# Read into Python either way now; the name stays for the services that check a batch against it.
shop_id_set = shop_ids


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
    return queryset.filter(**{f"{path}__in" if path else "pk__in": sorted(ids)})


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
    return shop_id in shop_ids(user, roles=roles)


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
    return users.filter(memberships__shop_id__in=sorted(ids)).distinct()
