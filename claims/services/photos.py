"""Photos the buyer sends after the claim was opened: through the portal, or attached to an e-mail."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.events import case_event
from cases.uploads import MAX_PHOTOS, validate_photos
from cases.verbs import Verb

from ..models import Claim, ClaimPhoto
from .decide import claim_recheck
from .playbook import photos_arrived

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


def save_photos(claim: Claim, checked: list[tuple[object, str]]) -> int:
    """Store photos already checked by `cases.uploads.validate_photos`, under random names."""
    for upload, content_type in checked:
        photo = ClaimPhoto(claim=claim, content_type=content_type, size=upload.size)
        photo.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}", upload, save=False)
        photo.save()
    return len(checked)


@transaction.atomic
def claim_photos_add(*, claim: Claim, photos, via: str, actor=None) -> int:
    """Add the buyer's photos to the claim; the playbook's "ask for photos" step is done with them."""
    photos = list(photos or ())
    if not photos:
        raise ValidationError({"photos": [_("Choose at least one photo.")]})
    claim = Claim.objects.select_for_update().select_related("case").get(pk=claim.pk)
    if claim.photos.count() + len(photos) > MAX_PHOTOS * 3:
        # A case is looked at by a person: a few dozen photos is already more than anyone reads.
        raise ValidationError({"photos": [_("This case has enough photos; please reply by e-mail instead.")]})
    added = save_photos(claim, validate_photos(photos))
    case_event(claim.case, Verb.BUYER_SENT_PHOTOS, actor=actor, new=via, photos=added)
    photos_arrived(claim)
    _recommend_again(claim)
    return added


def photos_mailed(claim: Claim, *, count: int) -> None:
    """Photos came attached to the buyer's e-mail (kept with the e-mail): the photos step is done."""
    if count:
        case_event(claim.case, Verb.BUYER_SENT_PHOTOS, new="email", photos=count)
        photos_arrived(claim)
        _recommend_again(claim)


def _recommend_again(claim: Claim) -> None:
    """Photos are evidence: the matrix is asked again, so "ask for photos" moves on to what comes next.

    Only a recommendation: nothing applies itself on photos an agent has not looked at.
    """
    if claim.case.is_open:
        claim_recheck(claim=claim)
