"""The audit log is append-only: written by services, never changed or erased through the ORM."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from bonnefoi.core.audit import audit_log
from bonnefoi.core.models import AuditLogEntry
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory


@pytest.mark.django_db
def test_audit_log_records_actor_action_object_and_structure():
    """An entry keeps who, what, on which object, in which structure, and when."""
    actor = UserFactory()
    structure = StructureFactory()
    entry = audit_log(actor=actor, action="test.done", obj=structure, structure=structure)
    entry.refresh_from_db()
    assert entry.actor == actor
    assert entry.action == "test.done"
    assert (entry.object_type, entry.object_id) == ("structures.structure", str(structure.pk))
    assert entry.structure == structure
    assert entry.created_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: e.save(),
        lambda e: e.delete(),
        lambda e: AuditLogEntry.objects.filter(pk=e.pk).update(action="changed"),
        lambda e: AuditLogEntry.objects.filter(pk=e.pk).delete(),
    ],
    ids=["save", "delete", "queryset-update", "queryset-delete"],
)
def test_audit_entries_cannot_be_changed_or_deleted(attempt):
    """Saving again, deleting, or bulk-updating an entry raises and leaves it untouched."""
    entry = audit_log(actor=None, action="test.done")
    with pytest.raises(PermissionError):
        attempt(entry)
    assert AuditLogEntry.objects.get(pk=entry.pk).action == "test.done"


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [True, False])
def test_purge_removes_only_entries_past_retention(settings, dry_run):
    """purge_audit_log deletes entries older than the retention period, keeps the others, and
    deletes nothing with --dry-run."""
    settings.AUDIT_LOG_RETENTION_DAYS = 30
    old = audit_log(actor=None, action="test.old")
    recent = audit_log(actor=None, action="test.recent")
    # created_at is auto_now_add: age the old entry with a raw UPDATE, as time would.
    QuerySet.update(
        AuditLogEntry.objects.filter(pk=old.pk), created_at=timezone.now() - dt.timedelta(days=31)
    )
    call_command("purge_audit_log", *(["--dry-run"] if dry_run else []))
    remaining = set(AuditLogEntry.objects.values_list("pk", flat=True))
    assert recent.pk in remaining
    assert (old.pk in remaining) is dry_run
