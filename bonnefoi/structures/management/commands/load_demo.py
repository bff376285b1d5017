"""Load the demo world (idempotent): `manage.py load_demo [--dry-run]`."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bonnefoi.accounts.models import Membership, User
from bonnefoi.cases import demo as cases_demo
from bonnefoi.incidents import demo as incidents_demo
from bonnefoi.observatory import demo as observatory_demo
from bonnefoi.reception import demo as reception_demo
from bonnefoi.structures import demo, services
from bonnefoi.structures.models import Agent, AnonymityException, AnonymityGround, Structure
from bonnefoi.training import demo as training_demo


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    help = "Crée (ou complète) le jeu de données de démonstration et affiche les identifiants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Montre ce qui serait créé sans rien écrire."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Autorise le chargement hors mode développement (DEBUG désactivé).",
        )

    def handle(self, *args, dry_run: bool, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Données de démonstration refusées hors mode développement : relancez avec --force "
                "si c'est bien une instance de démonstration."
            )
        self.created: list[str] = []
        try:
            with transaction.atomic():
                self._load()
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        for line in self.created:
            self.stdout.write(f"{'créerait' if dry_run else 'créé'} : {line}")
        if not self.created:
            self.stdout.write("Données de démonstration déjà présentes : rien à créer.")
        self._print_logins()

    def _load(self) -> None:
        structures: dict[str, Structure] = {}
        for key, kind, name, parent, sp_code, street, postal, city, insee in demo.STRUCTURES:
            existing = Structure.objects.filter(sp_code=sp_code).first()
            if existing is None:
                existing = services.structure_create(
                    actor=None,
                    kind=kind,
                    name=name,
                    parent=structures[parent] if parent else None,
                    sp_code=sp_code,
                    street_address=street,
                    postal_code=postal,
                    city=city,
                    commune_insee=insee,
                )
                self.created.append(f"structure « {name} »")
            structures[key] = existing

        self._load_advice()

        if not User.objects.filter(email=demo.SUPERUSER_EMAIL).exists():
            User.objects.create_superuser(email=demo.SUPERUSER_EMAIL, password=demo.DEMO_PASSWORD)
            self.created.append(f"super-administrateur {demo.SUPERUSER_EMAIL}")

        for email, first, last, position, key, role in demo.AGENTS:
            if Agent.objects.filter(user__email=email).exists():
                continue
            services.agent_create(
                actor=None,
                structure=structures[key],
                email=email,
                first_name=first,
                last_name=last,
                position=position,
                password=demo.DEMO_PASSWORD,
                role=role,
            )
            self.created.append(f"agent {first} {last} ({role}, {structures[key].name})")

        agent = Agent.objects.get(user__email=demo.ANONYMOUS_AGENT_EMAIL)
        today = timezone.localdate()
        if not AnonymityException.objects.in_force(today).filter(agent=agent).exists():
            services.anonymity_exception_grant(
                actor=User.objects.get(email=demo.ANONYMITY_APPROVER_EMAIL),
                agent=agent,
                ground=AnonymityGround.PERSONAL_SAFETY,
                justification=demo.ANONYMITY_JUSTIFICATION,
                valid_from=today - dt.timedelta(days=30),
                valid_until=today + dt.timedelta(days=335),
            )
            self.created.append(f"exception d'anonymat pour {agent.pseudonym}")
        self.created.extend(incidents_demo.load_demo_incidents())  # after agents and exceptions
        self.created.extend(training_demo.load_demo_training())
        self.created.extend(reception_demo.load_reception_demo())
        self.created.extend(cases_demo.load_demo_cases())  # after the advice import and agents
        self.created.extend(observatory_demo.load_observatory_demo())  # after the cases

    def _load_advice(self) -> None:
        """The advice catalogue shipped with the platform (its owners are demo networks)."""
        from bonnefoi.advice.content import import_content

        report = import_content()
        self.created.extend(report.created)

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe : {demo.DEMO_PASSWORD}) :")
        self.stdout.write(f"  {demo.SUPERUSER_EMAIL:<40} super-administrateur (/gestion/)")
        roles = {
            (m.user.email): m.get_role_display()
            for m in Membership.objects.filter(
                user__email__endswith="@demo.bonnefoi.test"
            ).select_related("user")
        }
        for email, *_rest in demo.AGENTS:
            self.stdout.write(f"  {email:<40} {roles.get(email, '(à créer)')}")
        self.stdout.write(incidents_demo.login_line())
