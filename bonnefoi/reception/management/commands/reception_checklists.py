"""`manage.py reception_checklists check|sync [--dry-run]`: the premises checklists as data.

Run `sync` after each deployment: new versions are created, unused ones updated, and a version
already used by an audit is refused if its content changed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bonnefoi.reception.checklists import ChecklistDataError, load_checklist_files
from bonnefoi.reception.services import checklists_sync


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Vérifie ou synchronise les grilles des locaux (bonnefoi/reception/data/)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "sync"])
        parser.add_argument(
            "--dry-run", action="store_true", help="Montre ce qui changerait sans rien écrire."
        )

    def handle(self, *args, action: str, dry_run: bool, **options):
        try:
            versions = load_checklist_files()
        except ChecklistDataError as exc:
            raise CommandError(str(exc)) from exc
        if action == "check":
            for version in versions:
                unverified = sum(
                    1 for c in version.criteria for r in c.references if r["unverified"]
                )
                self.stdout.write(
                    f"grille n° {version.number} : {len(version.criteria)} critères, "
                    f"{unverified} référence(s) à vérifier"
                )
            return
        try:
            with transaction.atomic():
                report = checklists_sync(versions=versions)
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        except ChecklistDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        if not report.created and not report.updated:
            self.stdout.write("Grilles des locaux à jour : rien à changer.")
