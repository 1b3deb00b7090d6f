"""Tags on cases: a shop's own words, added and removed by agents (one at a time, or on many cases from the queue).

A tag belongs to a shop: the same word in two shops is two tags, and no shop sees another's.
Names are kept as agents read them, folded to lower case and single spaces, so "Hochzeit"
and " hochzeit " are one tag.
"""

from __future__ import annotations

import regex
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .events import case_event
from .models import Case, CaseTag, Tag
from .verbs import Verb

MAX_LENGTH = 40
# Letters of any language, digits, spaces, hyphens: what a word on a label needs, nothing that looks like markup.
ALLOWED = regex.compile(r"^[\p{L}\p{N}][\p{L}\p{N} _-]*$")


def tag_name(name: str) -> str:
    """The tag's name as stored, or ValidationError on `tag` naming what is wrong."""
    folded = " ".join(str(name or "").split()).casefold()
    if not folded:
        raise ValidationError({"tag": [_("Enter a tag.")]})
    if len(folded) > MAX_LENGTH:
        raise ValidationError({"tag": [_("A tag has at most %(count)s characters.") % {"count": MAX_LENGTH}]})
    if not ALLOWED.match(folded):
        raise ValidationError({"tag": [_("A tag has letters, digits, spaces and hyphens only.")]})
    return folded


@transaction.atomic
def cases_tag(*, cases, name: str, actor=None) -> int:
    """Put the tag on each case (of whatever shops they are in); how many cases got it now."""
    name = tag_name(name)
    added = 0
    for case in cases:
        tag, _created = Tag.objects.get_or_create(shop_id=case.shop_id, name=name)
        _link, created = CaseTag.objects.get_or_create(case=case, tag=tag)
        if created:
            case_event(case, Verb.TAGGED, actor=actor, new=name)
            added += 1
    return added


def case_tag(*, case: Case, name: str, actor=None) -> bool:
    return cases_tag(cases=[case], name=name, actor=actor) == 1


@transaction.atomic
def case_untag(*, case: Case, name: str, actor=None) -> bool:
    deleted, _rows = CaseTag.objects.filter(
        case=case, tag__name=" ".join(str(name).split()).casefold()
    ).delete()
    if deleted:
        case_event(case, Verb.UNTAGGED, actor=actor, old=name)
    return bool(deleted)


def shop_tags(shop_ids) -> list[str]:
    """The tags in use in these shops, for the queue's filter and the case page's suggestions."""
    return tag_names(tags_of_shops(shop_ids))


def tags_of_shops(shop_ids) -> QuerySet[Tag]:
    """The shops' tags by name, for a page that reads them with its other lists (`tag_names`)."""
    return Tag.objects.filter(shop_id__in=shop_ids).order_by("name").only("name")


def tag_names(tags) -> list[str]:
    """Each name once (two shops may use the same tag), in order."""
    return list(dict.fromkeys(tag.name for tag in tags))
