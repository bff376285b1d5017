"""`manage.py advice_content import|export DIR [--dry-run]`: the catalogue as YAML files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bonnefoi.advice.content import CONTENT_DIR, ContentError, export_content, import_content


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Importe ou exporte le catalogue de conseils au format YAML (un dossier de fichiers : "
        "owners.yaml, life-events-*.yaml, procedures-*.yaml, references-*.yaml, entries-*.yaml)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument(
            "directory",
            nargs="?",
            default=str(CONTENT_DIR),
            help="Dossier des fichiers (par défaut : le contenu livré avec la plateforme).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Import : vérifie tout sans rien enregistrer."
        )

    def handle(self, *args, action: str, directory: str, dry_run: bool, **options):
        path = Path(directory)
        if action == "export":
            counts = export_content(path)
            total = sum(counts.values())
            self.stdout.write(f"{total} conseils exportés dans {path}.")
            return
        if not path.is_dir():
            raise CommandError(f"Dossier introuvable : {path}")
        try:
            with transaction.atomic():
                report = import_content(path)
                if dry_run:
                    raise DryRunRollback
        except ContentError as exc:
            raise CommandError(
                "Import refusé, rien n'a été enregistré :\n" + "\n".join(exc.problems)
            ) from None
        except DryRunRollback:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        verb = "serait" if dry_run else "a été"
        self.stdout.write(
            f"{len(report.created)} élément(s) créé(s), {len(report.published)} conseil(s) "
            f"{verb} publié(s), {report.unchanged} inchangé(s)."
        )
