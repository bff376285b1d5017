"""Delete closed incivility reports once their retention period is over (personal data).

`manage.py purge_incident_reports [--dry-run] [--days N]`: reports closed more than N days ago
(default INCIDENTS_RETENTION_DAYS, 6 years) are deleted with their timeline. Open reports are
never purged. Run daily from cron or a systemd timer (docs/operations.md).
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bonnefoi.core.audit import audit_log
from bonnefoi.incidents.models import IncidentReport

DEFAULT_RETENTION_DAYS = 6 * 365


def retention_days() -> int:
    return getattr(settings, "INCIDENTS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)


class Command(BaseCommand):
    help = "Supprime les signalements d'incivilités clos depuis plus longtemps que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte les signalements sans les supprimer."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Durée de conservation après la clôture, en jours "
            "(par défaut INCIDENTS_RETENTION_DAYS).",
        )

    def handle(self, *args, dry_run: bool, days: int | None, **options):
        days = retention_days() if days is None else days
        if days < 1:
            raise CommandError("La durée de conservation doit être d'au moins un jour.")
        cutoff = timezone.now() - dt.timedelta(days=days)
        expired = IncidentReport.objects.closed_before(cutoff)
        ids = sorted(expired.values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(
                f"Simulation : {len(ids)} signalement(s) clos depuis plus de {days} jours "
                "à supprimer."
            )
            return
        with transaction.atomic():
            deleted = (
                IncidentReport.objects.filter(pk__in=ids)
                .delete()[1]
                .get(IncidentReport._meta.label, 0)
            )
            if deleted:
                audit_log(
                    actor=None,
                    action="incidents.report.purged",
                    details={"reports": ids, "retention_days": days},
                )
        self.stdout.write(f"{deleted} signalement(s) clos depuis plus de {days} jours supprimé(s).")
