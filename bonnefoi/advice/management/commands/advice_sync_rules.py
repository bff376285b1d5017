"""`manage.py advice_sync_rules [--dry-run]`: entries depending on a changed engine rule go
"à revoir" (run it after deploying new rule data, e.g. from the deployment script or a timer)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from bonnefoi.advice.services import engine_rules_sync


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Met « à revoir » les conseils qui dépendent d'une règle du moteur qui a changé."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="N'enregistre rien.")

    def handle(self, *args, dry_run: bool, **options):
        changed = {}
        try:
            with transaction.atomic():
                changed = engine_rules_sync()
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        if not changed:
            self.stdout.write("Aucune règle du moteur n'a changé depuis la dernière vérification.")
        for rule_id, entry_ids in changed.items():
            self.stdout.write(f"Règle {rule_id} : {len(entry_ids)} conseil(s) à revoir.")
