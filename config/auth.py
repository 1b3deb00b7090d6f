"""Permission sets kept in the shared cache between requests.

Django's ModelBackend asks PostgreSQL for a user's permissions on every
request (two joins: the user's own and their groups'). An order pushed by a
shop system or a page of the desk needs them each time, and they change only
when an owner edits a group or a user. So the set is cached (Redis in
production) and dropped by the signals below whenever anything it was built
from changes; the timeout is a safety net, not the mechanism.

The key names the user's primary key *and* when the account was created: a
key can never describe another user, even where a database reuses ids (a
test database rebuilt against the same Redis, SQLite after a rollback).
"""

import binascii

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions

from config import caching

CACHE_SECONDS = 600


def _key(pk, date_joined) -> str:
    return f"perms:{pk}:{date_joined.timestamp() if date_joined else ''}"


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = _key(user_obj.pk, user_obj.date_joined)
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, CACHE_SECONDS)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache


def forget(users) -> None:
    """Drop the cached permissions of these (pk, date_joined) users."""
    caching.forget(_key(pk, joined) for pk, joined in users)


def _members(groups):
    return get_user_model().objects.filter(groups__in=groups).values_list("pk", "date_joined").distinct()


def _user_changed(sender, instance, **kwargs):
    forget([(instance.pk, instance.date_joined)])


def _user_relation_changed(sender, instance, action, reverse, pk_set, model, **kwargs):
    # pre_clear: with no pk_set, the members are known only before they are gone.
    if action not in ("pre_clear", "post_add", "post_remove"):
        return
    User = get_user_model()
    if isinstance(instance, User):
        forget([(instance.pk, instance.date_joined)])
    elif isinstance(instance, Group) and model is User:  # group.user_set
        users = User.objects.filter(pk__in=pk_set) if pk_set else instance.user_set.all()
        forget(users.values_list("pk", "date_joined"))
    elif isinstance(instance, Group):  # group.permissions
        forget(_members([instance]))
    elif isinstance(instance, Permission) and model is Group:  # permission.group_set
        groups = Group.objects.filter(pk__in=pk_set) if pk_set else instance.group_set.all()
        forget(_members(groups))
    elif isinstance(instance, Permission):  # permission.user_set
        users = User.objects.filter(pk__in=pk_set) if pk_set else instance.user_set.all()
        forget(users.values_list("pk", "date_joined"))


def _group_deleted(sender, instance, **kwargs):
    forget(_members([instance]))


def _permission_deleted(sender, instance, **kwargs):
    User = get_user_model()
    forget(_members(instance.group_set.all()))
    forget(User.objects.filter(user_permissions=instance).values_list("pk", "date_joined"))


def connect_signals() -> None:
    """Called from an AppConfig.ready, so every process drops stale sets, not only the web."""
    User = get_user_model()
    post_save.connect(_user_changed, sender=User, dispatch_uid="perms-user-saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="perms-user-deleted")
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="perms-group-deleted")
    pre_delete.connect(_permission_deleted, sender=Permission, dispatch_uid="perms-permission-deleted")
    post_save.connect(_token_changed, sender=AuthToken, dispatch_uid="token-saved")
    post_delete.connect(_token_changed, sender=AuthToken, dispatch_uid="token-deleted")
    post_save.connect(_user_tokens_changed, sender=User, dispatch_uid="token-user-saved")
    pre_delete.connect(_user_tokens_changed, sender=User, dispatch_uid="token-user-deleted")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_user_relation_changed, sender=through, dispatch_uid=f"perms-{through.__name__}")


# --- API tokens -------------------------------------------------------------------
# Tokens are django-rest-knox's: the database keeps the SHA-512 of each token, never the token,
# and an expiry. A shop system sends its token with every order, so the token's user and expiry
# are read from the cache instead of PostgreSQL (knox alone reads the token and every other token
# of the user on each request). The cache key is the token's SHA-512 digest, which the database
# holds anyway; the cached user has no password hash (deferred: read from the database if
# anything ever asks). So the cache holds nothing that logs anyone in. Deleting the token, or
# saving or deleting the user (deactivated, say), drops the entry at once; an expired entry is
# refused by its own expiry, whatever the cache still holds.


def _token_key(digest: str) -> str:
    return "apitoken:" + digest


class CachedTokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        cache_key = _token_key(digest)
        cached = cache.get(cache_key)
        if cached is None:
            found, auth_token = super().authenticate_credentials(token)  # refuses unknown, expired, inactive
            user = get_user_model().objects.defer("password").get(pk=found.pk)
            cached = (user, auth_token.expiry)
            timeout = CACHE_SECONDS
            if auth_token.expiry is not None:
                timeout = max(1, min(timeout, int((auth_token.expiry - timezone.now()).total_seconds())))
            cache.set(cache_key, cached, timeout)
        user, expiry = cached
        if expiry is not None and expiry <= timezone.now():
            caching.forget([cache_key])
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, None


def _token_changed(sender, instance, **kwargs):
    caching.forget([_token_key(instance.digest)])


def _user_tokens_changed(sender, instance, **kwargs):
    caching.forget(
        _token_key(digest)
        for digest in AuthToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True)
    )


class CachedTokenScheme(OpenApiAuthenticationExtension):
    """The API schema's word for the tokens: `Authorization: Token <token>`, as before knox."""

    target_class = CachedTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
