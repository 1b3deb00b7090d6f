"""Agents' own queue views, personal or shared with a shop's team: saved from the queue's filters."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

from orders import tenancy
from orders.models import Role

from .models import SavedView

logger = logging.getLogger("postsale.desk")
# What a view may hold: the queue's own filters (desk.queue.QueueFilters), nothing else.
KEYS = (
    "view",
    "status",
    "kind",
    "type",
    "shop",
    "assignee",
    "carrier",
    "language",
    "overdue",
    "q",
    "sort",
    "tag",
)
MAX_VIEWS = 30


def clean_query(raw: str) -> str:
    """The queue's filters from an address's query, without the page cursor or anything unknown."""
    params = QueryDict(raw[:1000])
    kept = QueryDict(mutable=True)
    for key in KEYS:
        for value in params.getlist(key)[:10]:
            if value:
                kept.appendlist(key, value[:100])
    return kept.urlencode()


def views_for(user):
    """The agent's own views and the shared ones of their shops, by name."""
    shops = tenancy.shop_ids(user, roles=[Role.OWNER, Role.AGENT])
    shared = Q(shared=True) if shops is None else Q(shared=True, shop_id__in=shops)
    return SavedView.objects.filter(Q(user=user) | shared).select_related("user").order_by("name")


def saved_view_create(*, user, shop, name: str, query: str, shared: bool = False) -> SavedView:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    if len(name) > 60:
        raise ValidationError({"name": [_("A view's name has at most 60 characters.")]})
    if not tenancy.is_member(user, shop, roles=[Role.OWNER, Role.AGENT]):
        raise ValidationError({"shop": [_("You do not work for this shop.")]})
    if SavedView.objects.filter(user=user, name__iexact=name).exists():
        raise ValidationError({"name": [_("You have a view with this name already.")]})
    if SavedView.objects.filter(user=user).count() >= MAX_VIEWS:
        raise ValidationError(
            {"name": [_("At most %(count)s views; delete one first.") % {"count": MAX_VIEWS}]}
        )
    view = SavedView.objects.create(user=user, shop=shop, name=name, query=clean_query(query), shared=shared)
    logger.info("%s saved the queue view %r (shared: %s)", user.get_username(), name, shared)
    return view


def saved_view_delete(*, user, view: SavedView) -> None:
    """The agent's own view; a shared one also by an owner of its shop."""
    if view.user_id != user.pk and not (
        view.shared and tenancy.is_member(user, view.shop, roles=[Role.OWNER])
    ):
        raise ValidationError(
            {"view": [_("Only who saved a view, or an owner for a shared one, deletes it.")]}
        )
    logger.info("%s deleted the queue view %r", user.get_username(), view.name)
    view.delete()
