"""`manage.py observatory_publish [--output DIR] [--base-url URL] [--dry-run]`: publish the public
right-to-error indicators of the last twelve complete months (statistical secret applied), then
write their open data (CSV, JSON, TableSchema, datapackage.json). Meant to run daily, after the
nightly full rebuild of the aggregates."""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bonnefoi.core.site import site_base_url
from bonnefoi.observatory.opendata import FILES, build_dump, default_output, write_dump
from bonnefoi.observatory.publication import publish


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Publie les indicateurs du droit à l'erreur des douze derniers mois complets (secret "
        "statistique appliqué) et écrit leurs données ouvertes (Licence Ouverte 2.0)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=None,
            help=f"Dossier des données ouvertes (par défaut : {default_output()}).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help=(
                "Adresse du site, pour le lien vers la page de transparence, par exemple "
                "https://bonnefoi.exemple.gouv.fr (par défaut : BONNEFOI_BASE_URL ou le premier "
                "nom de ALLOWED_HOSTS)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Calcule tout sans rien enregistrer ni écrire.",
        )

    def handle(self, *args, output, base_url, dry_run: bool, **options):
        base_url = base_url or site_base_url()
        if not base_url:
            raise CommandError(
                "Adresse du site inconnue : indiquez --base-url https://… (ALLOWED_HOSTS est vide)."
            )
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise CommandError(
                f"--base-url invalide : {base_url!r} (attendu : https://nom.du.site)."
            )
        directory = Path(output) if output else default_output()
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} existe et n'est pas un dossier.")
        try:
            with transaction.atomic():
                result = publish()
                dump = build_dump(base_url)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        window = f"du {result.window.first:%d/%m/%Y} au {result.window.last:%d/%m/%Y}"
        summary = (
            f"{result.scopes} structure(s) et la France entière, {window} : {result.figures} "
            f"chiffre(s) dont {result.hidden} couvert(s) par le secret statistique, calculés en "
            f"{result.seconds:.2f} s"
        )
        sizes = ", ".join(f"{name} ({len(dump.files[name]):,} octets)" for name in FILES)
        if dry_run:
            self.stdout.write(
                f"Simulation : {summary} ; rien n'a été enregistré ni écrit dans {directory}. "
                f"Fichiers prévus : {sizes}."
            )
            return
        try:
            write_dump(dump, directory)
        except OSError as exc:
            raise CommandError(f"Écriture impossible dans {directory} : {exc}") from None
        self.stdout.write(f"Publié : {summary}. Données ouvertes dans {directory} : {sizes}.")
