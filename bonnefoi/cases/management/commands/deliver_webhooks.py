"""`manage.py deliver_webhooks [--once] [--interval 30]`: send the webhook deliveries that are due
(first attempts missed by the task queue, and retries with backoff). From cron every minute with
--once, or as a long-running worker without it."""

import time

from django.core.management.base import BaseCommand

from bonnefoi.cases.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "Envoie les notifications (webhooks) en attente dont l'heure est venue : premiers envois "
        "et nouvelles tentatives (1 min, 5 min, 30 min, 2 h, 12 h, puis abandon)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Un seul passage, puis s'arrête.")
        parser.add_argument(
            "--interval", type=int, default=30, help="Secondes entre deux passages (sans --once)."
        )
        parser.add_argument("--limit", type=int, default=100, help="Envois au plus par passage.")

    def handle(self, *args, once=False, interval=30, limit=100, **options):
        while True:
            counts = deliver_due(limit=limit)
            if once or any(counts.values()):
                self.stdout.write(
                    f"Reçus : {counts['delivered']}, à réessayer : {counts['pending']}, "
                    f"abandonnés : {counts['failed']}."
                )
            if once:
                return
            time.sleep(max(1, interval))
