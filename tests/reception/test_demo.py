"""Demo premises audits: realistic, idempotent, made through the services."""

import pytest
from django.utils import timezone

from bonnefoi.reception.demo import load_reception_demo
from bonnefoi.reception.models import Audit, CorrectiveAction
from bonnefoi.reception.selectors import network_overview
from bonnefoi.structures import demo, services
from bonnefoi.structures.models import Structure


@pytest.fixture
def demo_world(db):
    """The demo structures and agents of `load_demo` (without the advice catalogue, slow)."""
    created: dict[str, Structure] = {}
    for key, kind, name, parent, sp_code, street, postal, city, insee in demo.STRUCTURES:
        created[key] = services.structure_create(
            actor=None,
            kind=kind,
            name=name,
            parent=created[parent] if parent else None,
            sp_code=sp_code,
            street_address=street,
            postal_code=postal,
            city=city,
            commune_insee=insee,
        )
    for email, first, last, position, key, role in demo.AGENTS:
        services.agent_create(
            actor=None,
            structure=created[key],
            email=email,
            first_name=first,
            last_name=last,
            position=position,
            password=demo.DEMO_PASSWORD,
            role=role,
        )
    return created


def test_demo_audits_load_once(demo_world):
    """The demo sites get audits on both checklist versions, with corrective actions, Nîmes
    overdue; a second run creates nothing."""
    created = load_reception_demo()
    assert sum(line.startswith("audit des locaux") for line in created) == 4
    assert set(Audit.objects.values_list("checklist__number", flat=True)) == {1, 2}
    assert CorrectiveAction.objects.count() == 3
    assert load_reception_demo() == []
    assert Audit.objects.count() == 4
    overview = network_overview(demo_world["caf"])
    assert overview.audited == 2  # Nîmes and Alès; Metz and Cayenne never audited
    rows = {row.site.name: row for row in overview.rows}
    assert rows["Accueil de Nîmes"].overdue
    assert rows["Accueil de Metz"].latest is None
    assert rows["Accueil de Metz"].next_due <= timezone.localdate()
    assert overview.overdue_actions  # the Nîmes actions are past their due dates
