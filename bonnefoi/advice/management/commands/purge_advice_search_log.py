"""Delete zero-result searches older than ADVICE_SEARCH_LOG_RETENTION_DAYS (run daily)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bonnefoi.advice.models import ZeroResultSearch


class Command(BaseCommand):
    help = "Supprime les recherches sans résultat plus anciennes que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compte sans supprimer.")

    def handle(self, *args, dry_run: bool, **options):
        days = settings.ADVICE_SEARCH_LOG_RETENTION_DAYS
        cutoff = timezone.localdate() - dt.timedelta(days=days)
        expired = ZeroResultSearch.objects.filter(searched_on__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"Simulation : {expired.count()} recherche(s) de plus de {days} jours."
            )
            return
        with transaction.atomic():
            deleted, _ = expired.delete()
        self.stdout.write(f"{deleted} recherche(s) de plus de {days} jours supprimée(s).")
