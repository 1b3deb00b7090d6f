"""Private files: return labels, label copies, photos and e-mail attachments.

They hold buyers' names, home addresses and pictures of their homes, so:

- they are stored under random names (`<kind>/<yyyy>/<mm>/<uuid4 hex><extension>`), the extension
  from the kind's allow-list and never the sender's, so nobody finds one by guessing or by an RMA;
- no web server route shows the storage: a file is fetched only through `FileView` (desk users and
  API tokens, by their shop memberships and permissions) or a buyer portal page (the buyer's own
  order), and every one of them answers through `file_response`;
- photos lose their EXIF data (GPS position, camera, time) the moment they are saved, whatever the
  way in (portal, API, desk, admin, e-mail), because `PrivateFieldFile.save` cleans them;
- everything goes through Django's storage API (`STORAGES["default"]`): the file system on a laptop,
  a private S3 bucket in production. No code asks a file for its `.path`.

A model declares a file with `PrivateFileField(kind=..., extensions=...)`; the field registers
its kind, which gets the route `/files/<kind>/<pk>/` (orders/file_urls.py), and its `.url` is
that route (orders/file_views.py), so a template, a serializer or the admin that shows `.url` links to the checked view.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

IMAGES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}
PDF = {".pdf": "application/pdf"}
# Served by type from its extension, never from what the upload said it was.
CONTENT_TYPES = {**IMAGES, **PDF, ".heic": "image/heic"}
# Only these are shown in the browser; anything else (a PDF, and above all an HTML or SVG file that
# would run scripts in our origin) is a download.
INLINE_TYPES = frozenset(IMAGES.values())
UNKNOWN = ".bin"
PILLOW_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
# A decompression bomb is a small file that opens into a huge picture.
MAX_PIXELS = 60_000_000
SAME_EXTENSION = {".jpeg": ".jpg", ".jpe": ".jpg"}


def extension_of(name: str) -> str:
    suffix = PurePosixPath(name or "").suffix.lower()
    return SAME_EXTENSION.get(suffix, suffix)


@deconstructible
class RandomName:
    """upload_to for private files: a random name under the kind and month, nothing of the sender's."""

    def __init__(self, kind: str, extensions: tuple[str, ...]):
        self.kind = kind
        self.extensions = tuple(extensions)

    def __call__(self, instance, filename: str) -> str:
        extension = extension_of(filename)
        if extension not in self.extensions:
            extension = UNKNOWN
        now = timezone.now()
        return f"{self.kind}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{extension}"

    def is_random(self, name: str) -> bool:
        return bool(
            re.fullmatch(rf"{re.escape(self.kind)}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}(\.[a-z0-9]+)?", name)
        )

    def __eq__(self, other):
        return isinstance(other, RandomName) and (self.kind, self.extensions) == (
            other.kind,
            other.extensions,
        )


def strip_metadata(data: bytes) -> tuple[bytes, str] | None:
    """The picture saved again without EXIF, XMP or comments, turned as the camera meant; None if not one.

    Returns the clean bytes and their extension. Re-encoding is the only sure way: metadata
    hides in many places (EXIF, XMP packets, PNG text chunks, GIF comments), a fresh save has none.
    """
    try:
        with Image.open(BytesIO(data)) as image:
            extension = PILLOW_FORMATS.get(image.format or "")
            if extension is None or image.width * image.height > MAX_PIXELS:
                return None
            out = BytesIO()
            icc = image.info.get("icc_profile")
            if image.format == "GIF":
                frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
                for frame in frames:
                    frame.info = {}
                frames[0].save(
                    out,
                    "GIF",
                    save_all=len(frames) > 1,
                    append_images=frames[1:],
                    duration=image.info.get("duration", 100),
                    loop=image.info.get("loop", 0),
                )
            else:
                clean = ImageOps.exif_transpose(image)
                clean.info = {}
                options = {"icc_profile": icc} if icc else {}
                if image.format == "JPEG":
                    options.update(quality=90, optimize=True)
                elif image.format == "WEBP":
                    options.update(quality=90)
                clean.save(out, image.format, **options)
            return out.getvalue(), extension
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def cleaned(name: str, data: bytes) -> tuple[str, bytes]:
    """A picture without its metadata, under its real type's extension; anything else as it came."""
    picture = strip_metadata(data)
    if picture is not None:
        data, extension = picture
        return f"{PurePosixPath(name).stem}{extension}", data
    if extension_of(name) in IMAGES:
        # Says it is a picture but is not one (an HTML page named photo.jpg): kept, but under an
        # unknown type, so it can only ever be downloaded, never shown.
        return f"{PurePosixPath(name).stem}{UNKNOWN}", data
    return name, data


class PrivateFieldFile(FieldFile):
    @property
    def url(self) -> str:
        # The checked view, never the storage's address.
        self._require_file()
        return reverse(f"file-{self.field.kind}", kwargs={"pk": self.instance.pk})

    def save(self, name, content, save=True):
        if self.field.cleans_images:
            content.seek(0)
            name, data = cleaned(name, content.read())
            content = ContentFile(data)
        super().save(name, content, save=save)


@dataclass(frozen=True)
class FileKind:
    kind: str
    model: type[models.Model]
    field_name: str
    download_name: str  # the model's attribute with the name to download under, or ""

    @property
    def permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"


KINDS: dict[str, FileKind] = {}


class PrivateFileField(models.FileField):
    """A file only its shop's people (and the buyer, through the portal) may fetch."""

    attr_class = PrivateFieldFile

    def __init__(self, verbose_name=None, *, kind: str, extensions, download_name: str = "", **kwargs):
        self.kind = kind
        self.extensions = tuple(extensions)
        self.download_name = download_name
        # Photos and anything that may be one (an e-mail's attachment) lose their metadata on save.
        self.cleans_images = any(extension in IMAGES for extension in self.extensions)
        kwargs["upload_to"] = RandomName(kind, self.extensions)
        super().__init__(verbose_name, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["upload_to"]
        kwargs.update(kind=self.kind, extensions=list(self.extensions))
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        # Migrations build historical copies of the models ("__fake__"); only the real one is served.
        if cls.__module__ != "__fake__" and not cls._meta.abstract:
            KINDS[self.kind] = FileKind(self.kind, cls, name, self.download_name)


def _header_safe(name: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\"\\/]+", "_", name).strip() or "file"


def file_response(file: FieldFile, *, filename: str = "") -> FileResponse:
    """The file from storage, typed by its extension, inline only for pictures, never cached."""
    extension = extension_of(file.name)
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    # The name to save under keeps the sender's words but takes our extension: a PDF sent as
    # "invoice.html" is saved as invoice.pdf, not as a page the buyer's computer would open.
    stem = PurePosixPath(filename).stem if filename else PurePosixPath(file.name).stem
    try:
        handle = file.storage.open(file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=_header_safe(stem)[:120] + extension,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def rename_stored_files(model: type[models.Model], field_name: str) -> int:
    """Give the files stored under guessable names (labels/R-2026-000001.pdf) random ones.

    For the migrations that brought random names, and safe to run again: a row already under a
    random name is left alone, and so is one whose file is gone (it answers 404 as before).
    Photos lose their metadata on the way. The old files are deleted only once the new names
    are committed, so a migration that fails half-way leaves every row pointing at a file.
    Returns how many files were moved.
    """
    field = model._meta.get_field(field_name)
    storage, namer = field.storage, field.upload_to
    moved = 0
    rows = model._default_manager.exclude(**{field_name: ""}).values_list("pk", field_name)
    for pk, old in rows.iterator():
        if namer.is_random(old):
            continue
        try:
            with storage.open(old, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        name = PurePosixPath(old).name
        if field.cleans_images:
            name, data = cleaned(name, data)
        new = storage.save(namer(None, name), ContentFile(data))
        model._default_manager.filter(pk=pk).update(**{field_name: new})
        transaction.on_commit(partial(storage.delete, old))
        moved += 1
    return moved
