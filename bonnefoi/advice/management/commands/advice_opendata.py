"""`manage.py advice_opendata [--output DIR] [--base-url URL] [--dry-run]`: the open-data dump
of the published catalogue (JSON, CSV, TableSchema, datapackage.json), meant to run daily."""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from bonnefoi.advice.opendata import (
    FILES,
    build_dump,
    default_output,
    write_dump,
)
from bonnefoi.core.site import site_base_url


class Command(BaseCommand):
    help = (
        "Écrit le jeu de données ouvertes des conseils publiés (Licence Ouverte 2.0) : "
        "entries.json, entries.csv, entries.schema.json et datapackage.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=None,
            help=f"Dossier de sortie (par défaut : {default_output()}).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help=(
                "Adresse du site, pour les liens vers les pages des conseils, par exemple "
                "https://bonnefoi.exemple.gouv.fr (par défaut : le premier nom de "
                "ALLOWED_HOSTS, en HTTPS)."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Prépare les fichiers sans rien écrire."
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
        dump = build_dump(base_url)
        sizes = ", ".join(f"{name} ({len(dump.files[name]):,} octets)" for name in FILES)
        if dry_run:
            self.stdout.write(
                f"Simulation : {dump.count} conseil(s) publié(s) ; rien n'a été écrit dans "
                f"{directory}. Fichiers prévus : {sizes}."
            )
            return
        try:
            write_dump(dump, directory)
        except OSError as exc:
            raise CommandError(f"Écriture impossible dans {directory} : {exc}") from None
        self.stdout.write(
            f"{dump.count} conseil(s) publié(s) exporté(s) dans {directory} : {sizes}."
        )
