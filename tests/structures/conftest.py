"""A small two-network world shared by the structure tests.

network "Réseau CAF"                      other_network "Réseau Urssaf"
├── gard "CAF du Gard" (administration)   └── other_administration "Urssaf IDF"
│   └── gard_service (service)                └── other_site (site)
│       ├── nimes (site)
│       └── ales (site)
└── moselle "CAF de la Moselle" (administration)
    └── metz (site)
"""

from dataclasses import dataclass

import pytest

from bonnefoi.structures.models import Structure, StructureKind
from tests.accounts.factories import MembershipFactory
from tests.structures.factories import StructureFactory


@dataclass
class Tree:
    network: Structure
    gard: Structure
    gard_service: Structure
    nimes: Structure
    ales: Structure
    moselle: Structure
    metz: Structure
    other_network: Structure
    other_administration: Structure
    other_site: Structure


def build_tree() -> Tree:
    network = StructureFactory(name="Réseau CAF")
    gard = StructureFactory(kind=StructureKind.ADMINISTRATION, name="CAF du Gard", parent=network)
    gard_service = StructureFactory(
        kind=StructureKind.SERVICE, name="Service relation allocataires", parent=gard
    )
    nimes = StructureFactory(
        kind=StructureKind.SITE,
        name="Accueil de Nîmes",
        parent=gard_service,
        street_address="365 rue Alphonse Daudet",
        postal_code="30000",
        city="Nîmes",
    )
    ales = StructureFactory(kind=StructureKind.SITE, name="Accueil d'Alès", parent=gard_service)
    moselle = StructureFactory(
        kind=StructureKind.ADMINISTRATION,
        name="CAF de la Moselle",
        parent=network,
        postal_code="57000",
        city="Metz",
        commune_insee="57463",
    )
    metz = StructureFactory(
        kind=StructureKind.SITE,
        name="Accueil de Metz",
        parent=moselle,
        postal_code="57000",
        city="Metz",
        commune_insee="57463",
    )
    other_network = StructureFactory(name="Réseau Urssaf")
    other_administration = StructureFactory(
        kind=StructureKind.ADMINISTRATION, name="Urssaf Île-de-France", parent=other_network
    )
    other_site = StructureFactory(
        kind=StructureKind.SITE, name="Accueil de Montreuil", parent=other_administration
    )
    return Tree(
        network=network,
        gard=gard,
        gard_service=gard_service,
        nimes=nimes,
        ales=ales,
        moselle=moselle,
        metz=metz,
        other_network=other_network,
        other_administration=other_administration,
        other_site=other_site,
    )


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


@pytest.fixture
def member():
    """``member(Role.X, structure)``: a fresh user holding that one role."""

    def make(role: str, structure: Structure, **membership_kwargs):
        return MembershipFactory(role=role, structure=structure, **membership_kwargs).user

    return make
