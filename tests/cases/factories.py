"""Builders for correction cases: a network with two administrations (Gard, Moselle), a
procedure they own, and cases created through the real services (draft, then submission)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.structures.models import Structure
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import ProcedureFactory
from tests.structures.factories import AgentFactory, StructureFactory


@dataclass
class World:
    network: Structure
    gard: Structure
    moselle: Structure
    procedure: object


def world(sector: str = "caf") -> World:
    network = StructureFactory(
        name="Caisses d'allocations familiales", commune_insee="", postal_code=""
    )
    gard = StructureFactory(
        name="CAF du Gard",
        kind="administration",
        parent=network,
        postal_code="30000",
        commune_insee="30189",
    )
    moselle = StructureFactory(
        name="CAF de la Moselle",
        kind="administration",
        parent=network,
        postal_code="57000",
        city="Metz",
        commune_insee="57463",
    )
    procedure = ProcedureFactory(
        title="Déclarer ses ressources trimestrielles", engine_sector=sector
    )
    procedure.owners.set([network])
    return World(network=network, gard=gard, moselle=moselle, procedure=procedure)


def agent_in(structure: Structure, role: str = Role.AGENT, **kwargs):
    """An agent working in `structure` with `role` there; returns the user."""
    return AgentFactory(structure=structure, role=role, **kwargs).user


def national_agent(w: World, role: str = Role.AGENT):
    """An agent of the Gard who also holds `role` on the whole network."""
    user = agent_in(w.gard)
    MembershipFactory(user=user, structure=w.network, role=role)
    return user


def declaration(procedure, **overrides) -> services.Declaration:
    today = timezone.localdate()
    values = {
        "procedure": procedure,
        "postal_code": "30900",
        "declared_value": "J'ai déclaré 1 800 € de salaire pour le trimestre.",
        "declared_on": today - timedelta(days=40),
        "correct_value": "Mon salaire du trimestre était de 2 100 € (une prime oubliée).",
        "correct_since": today - timedelta(days=40),
        "contact_email": "personne@exemple.test",
    }
    values.update(overrides)
    return services.Declaration(**values)


def submit(procedure, *, secret: str | None = None, **overrides):
    """A case submitted through a draft, as the public form does; returns the case."""
    draft = services.draft_for(secret or services.new_secret())
    case, _created = services.case_submit(
        draft=draft, declaration=declaration(procedure, **overrides)
    )
    return case


def past(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
