"""Audit photos: checked from their content, re-encoded without metadata, stored privately.

- The type comes from the bytes (Pillow), never from the name or the browser's content type:
  JPEG and PNG only.
- Re-encoding keeps the pixels only: EXIF (GPS position, camera, date), XMP, IPTC, ICC and PNG
  text chunks are dropped. The EXIF orientation is applied first so the photo stays upright.
- Files go to ``conf.photo_root()`` (outside the web root) under a random name; the storage has
  no public URL: ``views.photo`` serves them after a permission check.
"""

import io
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from PIL import Image, ImageOps, UnidentifiedImageError

from bonnefoi.reception.conf import photo_root, setting

FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class PrivatePhotoStorage(FileSystemStorage):
    """File system storage under RECEPTION_PHOTO_ROOT, without any URL."""

    @cached_property
    def base_location(self):
        return str(photo_root())

    def _clear_cached_properties(self, setting, **kwargs):
        if setting in ("RECEPTION_PHOTO_ROOT", "VAR_DIR"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
        super()._clear_cached_properties(setting, **kwargs)

    def url(self, name):
        raise ValueError("Les photos d'audit n'ont pas d'adresse publique.")


# FileSystemStorage connects its _clear_cached_properties to setting_changed itself.
_storage = PrivatePhotoStorage(directory_permissions_mode=0o700, file_permissions_mode=0o600)


def photo_storage() -> PrivatePhotoStorage:
    """Callable used by ``AuditPhoto.image`` (keeps the location out of migrations)."""
    return _storage


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"{secrets.token_hex(16)}{self.extension}")


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(f"« {name} » : {reason}", code="invalid_photo")


def clean_photo(upload) -> CleanPhoto:
    """Check one uploaded file and return it re-encoded without metadata, or raise a French
    ValidationError naming the file."""
    name = getattr(upload, "name", "") or "photo"
    max_bytes = setting("RECEPTION_PHOTO_MAX_BYTES")
    if upload.size > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise _refuse(name, f"la photo dépasse la taille maximale de {limit} Mo.")
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(name, "ce fichier n'est pas une image lisible (JPEG ou PNG).") from None
    if kind not in FORMATS:
        raise _refuse(name, "seules les photos JPEG et PNG sont acceptées.")
    if width * height > setting("RECEPTION_PHOTO_MAX_PIXELS"):
        raise _refuse(name, "l'image est trop grande (trop de pixels).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(name, "ce fichier n'est pas une image lisible (JPEG ou PNG).") from None
    return _reencode(upright, kind)


def _reencode(image: Image.Image, kind: str) -> CleanPhoto:
    """A new image holding only the pixels, downscaled to RECEPTION_PHOTO_MAX_SIDE at most."""
    max_side = setting("RECEPTION_PHOTO_MAX_SIDE")
    if max(image.size) > max_side:
        image = image.copy()
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if kind == "JPEG":
        pixels = image.convert("RGB")
        bare = Image.new("RGB", pixels.size)
        bare.paste(pixels)
        bare.save(out, format="JPEG", quality=85, optimize=True)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        pixels = image.convert(mode)
        bare = Image.new(mode, pixels.size)
        bare.paste(pixels)
        bare.save(out, format="PNG", optimize=True)
    content_type, extension = FORMATS[kind]
    return CleanPhoto(
        content=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=bare.width,
        height=bare.height,
    )
