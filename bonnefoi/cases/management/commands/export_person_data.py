"""`manage.py export_person_data --email PERSON --as ADMIN_EMAIL [--output FILE]`: the JSON of
every case a person filed, within the administrator's subtrees (right of access, RGPD art. 15)."""

import json
import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from bonnefoi.accounts.models import User
from bonnefoi.cases.retention import person_data_export


class Command(BaseCommand):
    help = "Exporte en JSON les dossiers déposés avec une adresse électronique (droit d'accès)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="adresse de la personne")
        parser.add_argument(
            "--as", dest="actor", required=True, help="adresse de l'administrateur qui exporte"
        )
        parser.add_argument("--output", help="fichier de sortie (sinon la sortie standard)")

    def handle(self, *args, email: str, actor: str, output: str | None, **options):
        user = User.objects.filter(email__iexact=actor, is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif pour {actor}.")
        try:
            data = person_data_export(actor=user, email=email)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            sys.stdout.write(text + "\n")
        self.stderr.write(f"{len(data['cases'])} dossier(s) exporté(s).")
