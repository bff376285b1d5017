"""Delete audit-log entries older than the retention period (AUDIT_LOG_RETENTION_DAYS).

Run daily from cron or a systemd timer. This is the only path that removes audit entries: the
model and its queryset refuse deletion everywhere else.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from bonnefoi.core.models import AuditLogEntry


class Command(BaseCommand):
    help = "Supprime les entrées du journal d'audit plus anciennes que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte les entrées sans les supprimer."
        )

    def handle(self, *args, dry_run: bool, **options):
        days = settings.AUDIT_LOG_RETENTION_DAYS
        cutoff = timezone.now() - dt.timedelta(days=days)
        expired = AuditLogEntry.objects.filter(created_at__lt=cutoff)
        count = expired.count()
        if dry_run:
            self.stdout.write(
                f"Simulation : {count} entrée(s) de plus de {days} jours à supprimer."
            )
            return
        with transaction.atomic():
            # Bypass the append-only guard of AuditLogQuerySet on purpose: retention is the law.
            deleted, _ = models.QuerySet.delete(expired)
        self.stdout.write(f"{deleted} entrée(s) de plus de {days} jours supprimée(s).")
