"""`manage.py advice_check_links [--dry-run] [--timeout 5] [--owner SP_CODE]`: check the official
links the public reads (published entries, procedures' online services) and report the broken
ones per owning administration. Writes nothing; exits with status 1 when a link is broken."""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError

from bonnefoi.advice.linkcheck import DEFAULT_TIMEOUT, check_all, link_uses, report_by_owner
from bonnefoi.structures.models import Structure


def _positive(value: str) -> float:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise ArgumentTypeError(f"un nombre de secondes est attendu, pas « {value} ».") from None
    if number <= 0:
        raise ArgumentTypeError("le délai doit être supérieur à zéro.")
    return number


class Command(BaseCommand):
    help = (
        "Vérifie les liens officiels des conseils publiés et les services en ligne des démarches, "
        "et signale les liens cassés par administration responsable. N'enregistre rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Liste les liens qui seraient vérifiés, sans rien demander aux sites.",
        )
        parser.add_argument(
            "--timeout",
            type=_positive,
            default=DEFAULT_TIMEOUT,
            help=f"Attente maximale par lien, en secondes (par défaut {DEFAULT_TIMEOUT:g}).",
        )
        parser.add_argument(
            "--owner",
            metavar="SP_CODE",
            help="Code Services Publics+ d'une structure : seulement ses conseils et démarches "
            "(et ceux des structures qui lui sont rattachées).",
        )

    def handle(self, *args, dry_run: bool, timeout: float, owner: str | None, **options):
        structure = None
        if owner:
            structure = Structure.objects.filter(sp_code=owner).first()
            if structure is None:
                raise CommandError(f"Aucune structure n'a le code Services Publics+ « {owner} ».")
        uses = link_uses(owner=structure)
        urls = list(dict.fromkeys(use.url for use in uses))
        if dry_run:
            self.stdout.write(
                f"Simulation : {len(urls)} adresse(s) seraient vérifiées "
                f"({len(uses)} lien(s)), rien n'est demandé aux sites."
            )
            for url in urls:
                self.stdout.write(f"  {url}")
            return
        results = check_all(urls, timeout=timeout)
        reports = report_by_owner(uses, results, only=structure)
        broken_urls = sorted(url for url, result in results.items() if not result.ok)
        for report in reports:
            self._write_report(report)
        self.stdout.write(f"\n{len(urls)} adresse(s) vérifiée(s), {len(broken_urls)} cassée(s).")
        if broken_urls:
            raise CommandError(
                f"{len(broken_urls)} lien(s) cassé(s) : voir le rapport ci-dessus.", returncode=1
            )

    def _write_report(self, report) -> None:
        name = report.owner.name
        if not report.broken:
            self.stdout.write(f"\n{name} : {report.checked} lien(s) vérifié(s), aucun cassé.")
        else:
            self.stdout.write(
                f"\n{name} : {len(report.broken)} lien(s) cassé(s) sur {report.checked}."
            )
            for use, result in report.broken:
                self.stdout.write(f"  - {use.where} : {use.url} → {result.problem}")
        for use, result in report.redirected:
            self.stdout.write(
                f"  (redirigé) {use.where} : {use.url} → {result.final_url} ; "
                "mettez l'adresse à jour."
            )
