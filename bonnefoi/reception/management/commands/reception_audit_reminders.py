"""`manage.py reception_audit_reminders [--dry-run] [--date AAAA-MM-JJ]`, to run once a day.

Queues one e-mail per site whose next premises audit is due within
RECEPTION_REMINDER_DAYS_BEFORE days or overdue, once per due date (django.tasks).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bonnefoi.reception.services import audit_reminders_send


class Command(BaseCommand):
    help = "Rappelle aux responsables qualité et administrateurs les audits des locaux attendus."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Liste sans rien envoyer.")
        parser.add_argument("--date", help="Date du jour à utiliser (AAAA-MM-JJ), pour essai.")

    def handle(self, *args, dry_run: bool, date: str | None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Date invalide : « {date} » (attendu AAAA-MM-JJ).") from exc
        report = audit_reminders_send(today=today, dry_run=dry_run)
        verb = "enverrait" if dry_run else "rappel envoyé"
        for site, due_on, count in report.sent:
            self.stdout.write(
                f"{verb} : {site.name}, audit attendu le {due_on:%d/%m/%Y} "
                f"({count} destinataire{'s' if count > 1 else ''})"
            )
        for site, due_on in report.without_recipient:
            self.stderr.write(
                f"sans destinataire : {site.name}, audit attendu le {due_on:%d/%m/%Y} "
                "(aucun responsable qualité ni administrateur au-dessus du site)"
            )
        if not report.sent and not report.without_recipient:
            self.stdout.write("Aucun audit des locaux à rappeler.")
