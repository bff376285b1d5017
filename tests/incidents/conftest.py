"""The two-network world of the structure tests, with the people of the permission matrix.

network "Réseau CAF"                      other_network "Réseau Urssaf"
├── gard (administration)                 └── other_administration
│   └── gard_service (service)                └── other_site
│       ├── nimes (site)   <- reports
│       └── ales (site)
└── moselle (administration)
    └── metz (site)
"""

from dataclasses import dataclass

import pytest

from bonnefoi.accounts.models import Role, User
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.incidents.factories import IncidentReportFactory
from tests.structures.conftest import Tree, build_tree
from tests.structures.factories import AgentFactory


@dataclass
class People:
    reporter: User  # agent at Nîmes who files the report
    officer: User  # incident officer of the CAF du Gard (covers Nîmes)
    site_officer: User  # incident officer of the Nîmes site itself
    other_officer: User  # incident officer of the CAF de la Moselle
    quality_manager: User  # of the CAF du Gard
    administrator: User  # of the CAF du Gard
    national_administrator: User  # of the network
    colleague: User  # plain agent at Nîmes, not the reporter
    agent_elsewhere: User  # plain agent at Metz
    superuser: User
    no_role: User  # signed-in account with no role and no agent profile


@pytest.fixture
def world(db) -> Tree:
    return build_tree()


def _member(role, structure):
    return MembershipFactory(role=role, structure=structure).user


@pytest.fixture
def people(world) -> People:
    return People(
        reporter=AgentFactory(structure=world.nimes).user,
        officer=_member(Role.INCIDENT_OFFICER, world.gard),
        site_officer=_member(Role.INCIDENT_OFFICER, world.nimes),
        other_officer=_member(Role.INCIDENT_OFFICER, world.moselle),
        quality_manager=_member(Role.QUALITY_MANAGER, world.gard),
        administrator=_member(Role.ADMINISTRATOR, world.gard),
        national_administrator=_member(Role.NATIONAL_ADMINISTRATOR, world.network),
        colleague=AgentFactory(structure=world.nimes).user,
        agent_elsewhere=AgentFactory(structure=world.metz).user,
        superuser=UserFactory(superuser=True),
        no_role=UserFactory(),
    )


@pytest.fixture
def report(world, people):
    """A report of the Nîmes agent about the Nîmes site."""
    return IncidentReportFactory(structure=world.nimes, reporter=people.reporter)
