"""Photo uploads, checked by what the bytes are, not by the name or the browser's word."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 6
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# A decompression bomb is a small file that opens into a huge picture.
MAX_PIXELS = 60_000_000


def validate_photo(upload) -> str:
    """Return the content type of an acceptable photo, or raise ValidationError."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("%(name)s: a photo may be at most %(mb)s MB.")
            % {"name": upload.name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    upload.seek(0)
    try:
        with Image.open(BytesIO(data)) as image:
            image_format = image.format
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s: the picture is too large.") % {"name": upload.name})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("%(name)s: this is not a photo we can read (JPEG, PNG, WebP or GIF).") % {"name": upload.name}
        ) from exc
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("%(name)s: photos must be JPEG, PNG, WebP or GIF.") % {"name": upload.name})
    return ALLOWED_FORMATS[image_format]


def validate_photos(uploads) -> list[tuple[object, str]]:
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(count)s photos.") % {"count": MAX_PHOTOS}]})
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, validate_photo(upload)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return checked
