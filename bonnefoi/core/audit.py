"""The single entry point that writes the audit log (called by services, never by views)."""

from django.db import models

from bonnefoi.core.models import AuditLogEntry


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    structure=None,
    details: dict | None = None,
) -> AuditLogEntry:
    """Append one entry. ``actor`` may be None for system jobs; ``details`` must not hold secrets."""
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        structure=structure,
        details=details or {},
    )
