"""Settings of the premises audits, each with a default (override them in config/settings/)."""

from pathlib import Path

from django.conf import settings

DEFAULTS = {
    # Audit period when a checklist version does not set its own (months).
    "RECEPTION_AUDIT_PERIOD_MONTHS": 12,
    # The reminder goes this many days before the next audit is due (and once more if overdue).
    "RECEPTION_REMINDER_DAYS_BEFORE": 30,
    # Photos: largest upload accepted, largest image (pixels), longest side kept after re-encoding,
    # most photos per criterion.
    "RECEPTION_PHOTO_MAX_BYTES": 8 * 1024 * 1024,
    "RECEPTION_PHOTO_MAX_PIXELS": 40_000_000,
    "RECEPTION_PHOTO_MAX_SIDE": 2560,
    "RECEPTION_PHOTOS_PER_CRITERION": 4,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def photo_root() -> Path:
    """Where audit photos live: outside the web root (never under STATIC_ROOT or MEDIA_ROOT)."""
    configured = getattr(settings, "RECEPTION_PHOTO_ROOT", None)
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "private" / "reception-photos"
