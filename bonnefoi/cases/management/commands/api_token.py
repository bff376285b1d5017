"""`manage.py api_token EMAIL [--label TEXT]`: create a personal token of the agent API and print
it once; `manage.py api_token --revoke PREFIX`: revoke a token by its first 8 characters;
`manage.py api_token --list EMAIL`: the tokens of an account (prefixes only)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bonnefoi.cases.authentication import api_token_create, api_token_revoke
from bonnefoi.cases.models import ApiToken


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Crée un jeton personnel pour l'API agent et l'affiche une seule fois (seule son "
        "empreinte SHA-256 est conservée), ou révoque un jeton avec --revoke PRÉFIXE."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", help="Adresse e-mail du compte de l'agent.")
        parser.add_argument("--label", default="", help="Libellé du jeton (usage, système).")
        parser.add_argument(
            "--revoke", metavar="PREFIXE", help="Révoque le jeton qui commence par ce préfixe."
        )
        parser.add_argument(
            "--list", action="store_true", help="Liste les jetons du compte (préfixes seulement)."
        )

    def handle(self, *args, email=None, label="", revoke=None, list=False, **options):
        if revoke:
            try:
                token = api_token_revoke(prefix=revoke)
            except ValidationError as error:
                raise CommandError(_message(error)) from None
            self.stdout.write(
                f"Jeton {token.prefix}… révoqué le {token.revoked_at:%d/%m/%Y %H:%M}."
            )
            return
        if not email:
            raise CommandError("Indiquez l'adresse e-mail du compte, ou --revoke PRÉFIXE.")
        if list:
            for token in ApiToken.objects.filter(user__email__iexact=email).order_by("created_at"):
                state = "révoqué" if token.revoked_at else "actif"
                used = f"{token.last_used_at:%d/%m/%Y %H:%M}" if token.last_used_at else "jamais"
                self.stdout.write(
                    f"{token.prefix}…  {state}  dernier usage : {used}  {token.label}"
                )
            return
        try:
            token, raw = api_token_create(email=email, label=label)
        except ValidationError as error:
            raise CommandError(_message(error)) from None
        self.stdout.write(raw)
        self.stderr.write(
            f"Jeton {token.prefix}… créé pour {token.user.email}. Copiez-le maintenant : il ne "
            "sera plus jamais affiché. Utilisation : en-tête « Authorization: Bearer <jeton> ». "
            f"Révocation : manage.py api_token --revoke {token.prefix}"
        )
