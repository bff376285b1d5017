"""Import completions from a training provider's CSV export:
`manage.py import_training_completions export.csv [--organisme NOM] [--utilisateur E-MAIL] [--simulation]`.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bonnefoi.accounts.models import User
from bonnefoi.training.importing import FileRefused, import_completions

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Importe les formations suivies depuis l'export CSV d'un organisme de formation "
        "(colonnes e-mail, module, date, organisme, référence) : les lignes correctes sont "
        "importées, les autres sont listées avec leur numéro et la raison du refus."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier CSV.")
        parser.add_argument(
            "--organisme",
            default="",
            help="Organisme de formation pour les lignes qui ne le précisent pas.",
        )
        parser.add_argument(
            "--utilisateur",
            default="",
            help="Importer au nom de cet utilisateur, limité à son périmètre (sinon : tous les agents).",
        )
        parser.add_argument(
            "--simulation",
            action="store_true",
            help="Vérifie le fichier et affiche le rapport sans rien enregistrer.",
        )

    def handle(
        self, *args, fichier: str, organisme: str, utilisateur: str, simulation: bool, **options
    ):
        path = Path(fichier)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        actor = None
        if utilisateur:
            actor = User.objects.filter(email=utilisateur.lower(), is_active=True).first()
            if actor is None:
                raise CommandError(f"Aucun utilisateur actif n'a l'adresse {utilisateur}.")
        show_bar = sys.stderr.isatty()
        self._last_percent = -1
        try:
            report = import_completions(
                actor=actor,
                content=path.read_bytes(),
                filename=path.name,
                source="command",
                default_provider=organisme,
                dry_run=simulation,
                progress=self._progress if show_bar else None,
            )
        except FileRefused as exc:
            raise CommandError(f"Fichier refusé, rien n'est importé : {exc}") from None
        if show_bar:
            sys.stderr.write("\n")
        for error in report.errors:
            self.stdout.write(f"Ligne {error.line} : " + " ; ".join(error.messages))
        verb = "seraient importées" if simulation else "importées"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.lines_read} lignes lues, {report.imported} {verb}, "
                f"{report.rejected} refusées."
            )
        )
        if simulation:
            self.stdout.write("Simulation : rien n'a été enregistré.")

    def _progress(self, done: int, total: int) -> None:
        """A bar on the terminal (stderr), redrawn in place at each new percent; silent when
        stderr is not a terminal (pipes, cron)."""
        percent = 100 * done // total if total else 100
        if percent == self._last_percent:
            return
        self._last_percent = percent
        filled = BAR_WIDTH * percent // 100
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d} % ({done}/{total})"
        )
        sys.stderr.flush()
