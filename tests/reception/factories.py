"""Helpers that build premises audits through the services, and test images."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from bonnefoi.reception.models import ChecklistVersion
from bonnefoi.reception.services import ResultInput, audit_record

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (43.0, 50.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 21.0, 36.0),
}


def jpeg_with_gps(*, size=(64, 48), orientation: int | None = None) -> bytes:
    """A JPEG carrying a GPS position, a camera make and optionally an EXIF orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Appareil de test"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "Bureau de Mme Martin, 3e étage")
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 120, 200, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def all_met(checklist: ChecklistVersion, **overrides) -> dict[str, ResultInput]:
    """Every criterion "met", except ``key=(rating, comment)`` or ``key=ResultInput(...)``."""
    results = {}
    for criterion in checklist.criteria.all():
        given = overrides.get(criterion.key, ("met", ""))
        results[criterion.key] = given if isinstance(given, ResultInput) else ResultInput(*given)
    return results


def record_audit(
    *,
    actor,
    site,
    checklist,
    visited_on: dt.date | None = None,
    kind="self_assessment",
    **overrides,
):
    return audit_record(
        actor=actor,
        site=site,
        checklist=checklist,
        kind=kind,
        visited_on=visited_on or timezone.localdate(),
        results=all_met(checklist, **overrides),
    )
