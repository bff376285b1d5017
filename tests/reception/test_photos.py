"""Audit photos: type from content, metadata stripped by re-encoding, size limits, private storage."""

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from bonnefoi.accounts.models import Role
from bonnefoi.reception.conf import photo_root
from bonnefoi.reception.models import AuditPhoto
from bonnefoi.reception.photos import clean_photo, photo_storage
from bonnefoi.reception.services import ResultInput
from tests.reception.factories import (
    gif_bytes,
    jpeg_with_gps,
    png_with_text,
    record_audit,
    upload,
)


def test_gps_exif_is_stripped():
    """A JPEG with a GPS position and a camera make comes out with no EXIF at all."""
    original = Image.open(io.BytesIO(jpeg_with_gps()))
    assert dict(original.getexif().get_ifd(ExifTags.IFD.GPSInfo))  # the test image has GPS

    clean = clean_photo(upload(jpeg_with_gps()))

    result = Image.open(io.BytesIO(clean.content))
    assert result.format == "JPEG"
    assert dict(result.getexif()) == {}
    assert dict(result.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
    assert "exif" not in result.info
    assert b"Exif" not in clean.content
    assert b"Appareil de test" not in clean.content


def test_orientation_is_applied_before_stripping():
    """A photo taken sideways (EXIF orientation 6) is turned upright, then loses its EXIF."""
    clean = clean_photo(upload(jpeg_with_gps(size=(64, 48), orientation=6)))
    assert (clean.width, clean.height) == (48, 64)


def test_png_text_chunks_are_stripped():
    """PNG text chunks (which can hold names, places) do not survive; transparency does."""
    clean = clean_photo(upload(png_with_text(), name="plan.png", content_type="image/png"))
    result = Image.open(io.BytesIO(clean.content))
    assert result.format == "PNG"
    assert clean.content_type == "image/png"
    assert "Comment" not in result.info
    assert b"Mme Martin" not in clean.content
    assert result.mode == "RGBA"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 not an image", "photo.jpg", "pas une image lisible"),
        (gif_bytes(), "photo.jpg", "seules les photos JPEG et PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo.png", "pas une image lisible"),
        (jpeg_with_gps()[:200], "coupee.jpg", "pas une image lisible"),
    ],
)
def test_type_comes_from_the_content(content, name, message):
    """The name and announced type are ignored: a PDF, GIF, SVG or truncated file named .jpg is
    refused with a French message naming the file."""
    with pytest.raises(ValidationError, match=message) as caught:
        clean_photo(upload(content, name=name, content_type="image/jpeg"))
    assert name in caught.value.messages[0]


def test_size_limit(settings):
    """A file over RECEPTION_PHOTO_MAX_BYTES is refused before being decoded."""
    settings.RECEPTION_PHOTO_MAX_BYTES = 1024 * 1024
    big = upload(b"\xff\xd8" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="taille maximale de 1 Mo"):
        clean_photo(big)


def test_pixel_limit(settings):
    """An image with too many pixels (decompression bomb) is refused."""
    settings.RECEPTION_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="trop de pixels"):
        clean_photo(upload(jpeg_with_gps(size=(64, 48))))


def test_large_photos_are_downscaled(settings):
    """The longest side is brought down to RECEPTION_PHOTO_MAX_SIDE."""
    settings.RECEPTION_PHOTO_MAX_SIDE = 32
    clean = clean_photo(upload(jpeg_with_gps(size=(64, 48))))
    assert (clean.width, clean.height) == (32, 24)


def test_storage_is_outside_the_web_root_and_without_url(settings, tmp_path):
    """Photos are written under RECEPTION_PHOTO_ROOT (default var/private/…), never under the
    static or media roots, and the storage refuses to give a URL."""
    storage = photo_storage()
    assert Path(storage.location) == tmp_path / "photos"
    del settings.RECEPTION_PHOTO_ROOT
    default = photo_root()
    assert default == Path(settings.VAR_DIR) / "private" / "reception-photos"
    for web_root in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        assert not default.is_relative_to(web_root)
    with pytest.raises(ValueError, match="adresse publique"):
        storage.url("x.jpg")


def test_recorded_photos_get_random_names_and_no_metadata(tree, member, current, tmp_path):
    """Through the service: the stored file has a random name (not the uploaded one), lies
    under the private root, is readable by its owner only, and has no EXIF."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    clean = clean_photo(upload(jpeg_with_gps(), name="IMG_Nimes_GPS.jpg"))
    record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        toilets=ResultInput("not_met", "Fermées.", [clean]),
    )
    photo = AuditPhoto.objects.get()
    assert "Nimes" not in photo.image.name
    assert re.fullmatch(r"audits/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
    path = Path(photo.image.path)
    assert path.is_relative_to(tmp_path / "photos")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert dict(Image.open(path).getexif()) == {}
    assert photo.content_type == "image/jpeg"
    assert not Path(settings.VAR_DIR, "media").joinpath(photo.image.name).exists()
