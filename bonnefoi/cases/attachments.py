"""Checking and storing documents sent with a declaration or an answer.

The type is read from the content (magic numbers), never from the name or the browser's
Content-Type: a PDF renamed .jpg is a PDF, an executable renamed .pdf is refused. Images are
also opened with Pillow (a truncated or forged header fails). Size is limited by
CASE_ATTACHMENT_MAX_BYTES; names are kept only as a label, cleaned; files are stored under a
random name outside the web root (bonnefoi.cases.storage)."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

ALLOWED = {  # content type -> (extension, label)
    "application/pdf": ("pdf", "PDF"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
}
ALLOWED_LABEL = "PDF, JPEG ou PNG"


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    original_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    def as_django_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"piece.{self.extension}")


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def clean_name(name: str) -> str:
    """A label safe to show: no path, no control characters, 120 characters at most."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    name = re.sub(r"\s+", " ", name).strip()
    return name[-120:] or "document"


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size // 1024} ko"


def check_upload(uploaded) -> CheckedFile:
    """Read and check one uploaded file; ValidationError with a French message naming it."""
    name = clean_name(getattr(uploaded, "name", ""))
    limit = settings.CASE_ATTACHMENT_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            f"« {name} » est trop lourd ({_human_size(uploaded.size)}) : "
            f"{_human_size(limit)} au plus par fichier.",
            code="too_big",
        )
    content = uploaded.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            f"« {name} » est trop lourd : {_human_size(limit)} au plus par fichier.",
            code="too_big",
        )
    if not content:
        raise ValidationError(f"« {name} » est vide.", code="empty")
    content_type = sniff(content[:16])
    if content_type is None:
        raise ValidationError(
            f"« {name} » n'est pas un fichier {ALLOWED_LABEL} (son contenu a été vérifié, "
            "pas seulement son nom).",
            code="type",
        )
    if content_type.startswith("image/"):
        _check_image(content, name)
    elif b"%%EOF" not in content[-2048:]:
        raise ValidationError(f"« {name} » est un PDF incomplet ou abîmé.", code="broken")
    return CheckedFile(
        content=content,
        content_type=content_type,
        extension=ALLOWED[content_type][0],
        original_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _check_image(content: bytes, name: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            f"« {name} » est une image abîmée ou illisible.", code="broken"
        ) from None
