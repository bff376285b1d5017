"""`manage.py purge_cases [--dry-run]`: delete closed cases and old drafts past retention."""

from django.core.management.base import BaseCommand

from bonnefoi.cases.retention import purge


class Command(BaseCommand):
    help = "Supprime les dossiers clos et les brouillons au-delà de leur durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="affiche ce qui serait supprimé, sans supprimer"
        )

    def handle(self, *args, dry_run: bool, **options):
        report = purge(dry_run=dry_run)
        verb = "seraient supprimés" if dry_run else "supprimés"
        self.stdout.write(
            f"{len(report.cases)} dossier(s) clos, {report.drafts} brouillon(s) et "
            f"{report.files} fichier(s) {verb}."
        )
        for reference in report.cases:
            self.stdout.write(f"  {reference}")
