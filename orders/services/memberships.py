"""Who works for which shop: memberships granted and revoked, and agents an owner adds to their shop.

A role comes with its group's permissions (Owners, Agents, Integrations): the
group says what a user may do, the membership where. An integration user, the
shop system's API user, belongs to exactly one shop, or one shop's token could
write another's orders.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.roles import AGENTS, INTEGRATIONS, OWNERS

from .. import signals, tenancy
from ..models import Membership, Role, Shop

logger = logging.getLogger("postsale.tenancy")

GROUP_OF_ROLE = {Role.OWNER: OWNERS, Role.AGENT: AGENTS, Role.INTEGRATION: INTEGRATIONS}


def membership_check(*, user, shop: Shop, role: str) -> None:
    """Refuse a membership that would let one shop's system reach another shop (ValidationError on `role`)."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose owner, agent or integration.")]})
    others = Membership.objects.filter(user=user).exclude(shop=shop, role=Role.INTEGRATION)
    if role == Role.INTEGRATION and others.exists():
        message = _(
            "An integration user belongs to exactly one shop and nothing else; %(user)s is a member already."
        )
        raise ValidationError({"role": [message % {"user": user.get_username()}]})
    is_integration_user = (
        user.groups.filter(name=INTEGRATIONS).exists()
        or Membership.objects.filter(user=user, role=Role.INTEGRATION).exists()
    )
    if role != Role.INTEGRATION and is_integration_user:
        message = _("%(user)s is a shop system's integration user and cannot be an agent or an owner.")
        raise ValidationError({"role": [message % {"user": user.get_username()}]})


@transaction.atomic
def membership_grant(*, user, shop: Shop, role: str, by=None) -> Membership:
    """Make `user` a member of `shop` in `role` (or change their role there). Safe to repeat."""
    tenancy.forget_shop_ids(user)  # the caller's copy of the user sees the new shop from now on
    # Locked so that two grants for one user queue up: "one shop only" holds even when they race.
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    membership_check(user=user, shop=shop, role=role)
    membership, created = Membership.objects.get_or_create(
        user=user, shop=shop, defaults={"role": role, "granted_by": _person(by)}
    )
    if not created and membership.role != role:
        membership.role, membership.granted_by = role, _person(by)
        membership.save(update_fields=["role", "granted_by"])
    user.groups.add(Group.objects.get(name=GROUP_OF_ROLE[role]))
    if role == Role.OWNER and not user.is_staff:
        # Owners set up their shop in the admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    logger.info("%s is %s of shop %s (by %s)", user.get_username(), role, shop.slug, _name(by))
    return membership


@transaction.atomic
def membership_revoke(*, user, shop: Shop, by=None) -> bool:
    """End `user`'s membership of `shop`; False if they were not a member.

    The layers above hear of it (`signals.membership_revoked`): the cases of that
    shop assigned to the user go back to the queue.
    """
    deleted, _rows = Membership.objects.filter(user=user, shop=shop).delete()
    tenancy.forget_shop_ids(user)
    if not deleted:
        return False
    signals.membership_revoked.send(sender=Membership, user=user, shop=shop, by=by)
    logger.info("%s is no longer a member of shop %s (by %s)", user.get_username(), shop.slug, _name(by))
    return True


@transaction.atomic
def member_create(
    *, shop: Shop, username: str, password: str, email: str = "", role: str = Role.AGENT, by=None
) -> Membership:
    """A new user, made a member of `shop` at once: how an owner adds an agent to their shop."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": [_("Enter a user name.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("A user with this name exists already.")]})
    try:
        validate_password(password or "", User(username=username, email=email))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user = User.objects.create_user(username=username, email=email.strip(), password=password)
    return membership_grant(user=user, shop=shop, role=role, by=by)


@transaction.atomic
def agent_add(*, shop: Shop, username: str, email: str = "", password: str = "", by) -> Membership:
    """An owner adds an agent to `shop`: a colleague from another of their shops by name, or a new user.

    Someone who works only for other people's shops is not the owner's to pick: the same
    answer as for a taken name, so the form does not tell who exists.
    """
    existing = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if existing is None:
        return member_create(shop=shop, username=username, email=email, password=password, role=Role.AGENT, by=by)
    if not tenancy.users_in_shops(by, roles=[Role.OWNER]).filter(pk=existing.pk).exists():
        raise ValidationError({"username": [_("A user with this name exists already.")]})
    if Membership.objects.filter(user=existing, shop=shop, role=Role.OWNER).exists():
        # Adding an owner "as agent" would quietly demote them.
        raise ValidationError({"username": [_("%(user)s is an owner of this shop.") % {"user": existing.username}]})
    return membership_grant(user=existing, shop=shop, role=Role.AGENT, by=by)


def _person(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _name(by) -> str:
    person = _person(by)
    return person.get_username() if person else "the system"
