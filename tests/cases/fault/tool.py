"""Run in a subprocess against the fault test's own database (DATABASE_URL):
`setup` migrates and creates a procedure routed to an administration, printing its slug;
`check` prints, as JSON, every case with the Idempotency-Key draft it came from."""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.cases.fault.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402


def setup() -> None:
    from bonnefoi.advice.models import Procedure
    from bonnefoi.structures import services
    from bonnefoi.structures.models import StructureKind

    call_command("migrate", verbosity=0)
    network = services.structure_create(
        actor=None, kind=StructureKind.NETWORK, name="Réseau de test", sp_code="FAULT-NET"
    )
    services.structure_create(
        actor=None,
        kind=StructureKind.ADMINISTRATION,
        name="Administration du Gard",
        parent=network,
        postal_code="30000",
        city="Nîmes",
        commune_insee="30189",
    )
    procedure = Procedure.objects.create(
        slug="declarer-ses-ressources",
        title="Déclarer ses ressources",
        online_service_url="https://www.service-public.fr/",
        engine_sector="caf",
    )
    procedure.owners.set([network])
    print(procedure.slug)


def check() -> None:
    from bonnefoi.cases.models import Case, Draft

    drafts = {d.case_id: d.token_hash for d in Draft.objects.exclude(case=None)}
    cases = [
        {"reference": reference, "draft": drafts.get(pk)}
        for pk, reference in Case.objects.values_list("pk", "reference")
    ]
    print(json.dumps({"cases": cases}))


if __name__ == "__main__":
    {"setup": setup, "check": check}[sys.argv[1]]()
