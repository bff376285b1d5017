"""`manage.py observatory_refresh [--full | --everything] [--dry-run] [--enqueue]`: rebuild the
observatory's aggregates, then create the spike alerts (every 15 minutes; --full nightly)."""

import time

from django.core.management.base import BaseCommand

from bonnefoi.observatory import refresh
from bonnefoi.observatory.tasks import refresh_and_watch, refresh_observatory


class Command(BaseCommand):
    help = (
        "Recalcule les tableaux de l'observatoire (erreurs déclarées, décisions, avis, "
        "recherches sans résultat) puis repère les hausses soudaines. Sans option : seulement "
        "les périodes qui ont changé depuis le dernier calcul."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--full",
            action="store_true",
            help="Recalcule toutes les périodes depuis l'horizon de conservation des données.",
        )
        group.add_argument(
            "--everything",
            action="store_true",
            help=(
                "Recalcule aussi les périodes figées (plus anciennes que la conservation des "
                "dossiers) : les dossiers déjà purgés disparaissent alors des chiffres."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche les périodes qui seraient recalculées, sans rien écrire.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Confie le calcul au worker de tâches au lieu de le faire ici.",
        )

    def handle(self, *args, full: bool, everything: bool, dry_run: bool, enqueue: bool, **opts):
        if dry_run:
            for table, periods in refresh.planned(full=full, everything=everything).items():
                self.stdout.write(f"{table} : {len(periods)} période(s) à recalculer")
                for kind, start in periods[:50]:
                    self.stdout.write(f"  {kind} {start.isoformat()}")
                if len(periods) > 50:
                    self.stdout.write(f"  … et {len(periods) - 50} autre(s)")
            return
        if enqueue:
            if everything:
                self.stderr.write("--everything se lance ici, pas dans le worker.")
                raise SystemExit(2)
            result = refresh_observatory.enqueue(full=full)
            self.stdout.write(f"Calcul confié au worker (tâche {result.id}).")
            return
        began = time.perf_counter()
        summary = refresh_and_watch(full=full, everything=everything)
        seconds = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Calcul {'complet' if summary['kind'] == 'full' else 'incrémental'} : "
                f"{summary['days']} jour(s) de dossiers et {summary['periods']} période(s) "
                f"d'avis et de recherches recomptés, {summary['rows']} ligne(s) écrites en "
                f"{seconds:.1f} s ; {summary['alerts']} nouvelle(s) alerte(s) de hausse."
            )
        )
