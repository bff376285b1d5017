"""Who may do what: role × ability on a structure and on an agent, through the subtree only."""

import pytest
from django.contrib.auth.models import AnonymousUser

from bonnefoi.accounts.models import Role
from bonnefoi.structures.abilities import (
    agent_abilities,
    anonymity_exception_abilities,
    structure_abilities,
)
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

STRUCTURE_ABILITIES = [
    "view",
    "update",
    "create_child",
    "list_agents",
    "create_agent",
    "manage_roles",
    "view_anonymity_register",
    "view_audit_log",
]
READ = {"view", "list_agents"}
STRUCTURE_MATRIX = {
    Role.AGENT: READ,
    Role.EDITOR: READ,
    Role.QUALITY_MANAGER: READ | {"view_anonymity_register"},
    Role.ADMINISTRATOR: READ
    | {"create_agent", "manage_roles", "view_anonymity_register", "view_audit_log"},
    Role.NATIONAL_ADMINISTRATOR: set(STRUCTURE_ABILITIES),
    Role.INCIDENT_OFFICER: READ,  # reads like an agent; reports are in bonnefoi/incidents
}

# Where each role is held in the test tree: national administrators on a network, others on an
# administration. "descendant" is a site below it; "outside" are places the role does not reach.
HELD_ON = dict.fromkeys(Role, "gard") | {Role.NATIONAL_ADMINISTRATOR: "network"}
OUTSIDE = {role: ["network", "moselle", "metz", "other_network", "other_site"] for role in Role} | {
    Role.NATIONAL_ADMINISTRATOR: ["other_network", "other_administration", "other_site"]
}


def _expected(granted: set[str], names: list[str]) -> dict[str, bool]:
    return {name: name in granted for name in names}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("where", ["own", "descendant"])
def test_structure_abilities_by_role_on_own_structure_and_below(tree, member, role, where):
    """A role gives the same structure abilities on its structure and on every descendant."""
    user = member(role, getattr(tree, HELD_ON[role]))
    target = getattr(tree, HELD_ON[role]) if where == "own" else tree.nimes
    assert structure_abilities(user, target) == _expected(
        STRUCTURE_MATRIX[role], STRUCTURE_ABILITIES
    )


@pytest.mark.parametrize("role", list(Role))
def test_structure_abilities_stop_at_the_subtree(tree, member, role):
    """A role gives nothing on a parent, a sibling or another network."""
    user = member(role, getattr(tree, HELD_ON[role]))
    for name in OUTSIDE[role]:
        abilities = structure_abilities(user, getattr(tree, name))
        assert not any(abilities.values()), name


AGENT_ABILITIES = ["view", "update", "grant_anonymity", "view_anonymity", "view_real_name"]
AGENT_MATRIX = {
    # (role, target agent in the member's structure or in a descendant): granted abilities
    (Role.AGENT, "own"): {"view", "view_real_name"},
    (Role.AGENT, "descendant"): {"view"},
    (Role.EDITOR, "own"): {"view", "view_real_name"},
    (Role.EDITOR, "descendant"): {"view"},
    (Role.QUALITY_MANAGER, "own"): {"view", "view_anonymity", "view_real_name"},
    (Role.QUALITY_MANAGER, "descendant"): {"view", "view_anonymity"},
    (Role.ADMINISTRATOR, "own"): set(AGENT_ABILITIES),
    (Role.ADMINISTRATOR, "descendant"): set(AGENT_ABILITIES),
    (Role.NATIONAL_ADMINISTRATOR, "own"): set(AGENT_ABILITIES),
    (Role.NATIONAL_ADMINISTRATOR, "descendant"): set(AGENT_ABILITIES),
}


def _agent_at(structure):
    # An agent profile on a network carries an editor role (a front-desk agent cannot sit there).
    role = Role.EDITOR if structure.kind == "network" else Role.AGENT
    return AgentFactory(structure=structure, role=role)


@pytest.mark.parametrize(("role", "where"), list(AGENT_MATRIX))
def test_agent_abilities_by_role(tree, member, role, where):
    """Agent abilities follow the role on the agent's structure or an ancestor of it."""
    user = member(role, getattr(tree, HELD_ON[role]))
    agent = _agent_at(getattr(tree, HELD_ON[role]) if where == "own" else tree.nimes)
    assert agent_abilities(user, agent) == _expected(AGENT_MATRIX[(role, where)], AGENT_ABILITIES)


@pytest.mark.parametrize("role", list(Role))
def test_agent_abilities_stop_at_the_subtree(tree, member, role):
    """A role gives no ability on an agent of a parent, sibling or other-network structure."""
    user = member(role, getattr(tree, HELD_ON[role]))
    for name in OUTSIDE[role]:
        abilities = agent_abilities(user, _agent_at(getattr(tree, name)))
        assert not any(abilities.values()), name


def test_superuser_has_every_ability_everywhere(tree):
    """A superuser, without any role, holds every structure and agent ability on any structure."""
    superuser = UserFactory(superuser=True)
    for name in ["network", "nimes", "other_site"]:
        assert all(structure_abilities(superuser, getattr(tree, name)).values())
    assert all(agent_abilities(superuser, AgentFactory(structure=tree.other_site)).values())


@pytest.mark.parametrize("how", ["inactive_membership", "inactive_user", "anonymous"])
def test_no_ability_without_an_active_role_and_account(tree, how):
    """A withdrawn role, a deactivated account or an anonymous visitor gives no ability at all."""
    if how == "anonymous":
        user = AnonymousUser()
    elif how == "inactive_membership":
        user = MembershipFactory(role=Role.ADMINISTRATOR, structure=tree.gard, is_active=False).user
    else:
        user = MembershipFactory(
            role=Role.ADMINISTRATOR, structure=tree.gard, user=UserFactory(inactive=True)
        ).user
    agent = AgentFactory(structure=tree.gard)
    assert not any(structure_abilities(user, tree.gard).values())
    assert not any(agent_abilities(user, agent).values())


def test_roles_add_up_across_memberships(tree, member):
    """A user holding two roles on different structures gets each role's abilities in its own
    subtree, and no more."""
    user = member(Role.ADMINISTRATOR, tree.moselle)
    MembershipFactory(user=user, role=Role.AGENT, structure=tree.gard)
    assert structure_abilities(user, tree.metz)["create_agent"]
    assert structure_abilities(user, tree.nimes)["view"]
    assert not structure_abilities(user, tree.nimes)["create_agent"]


VIEW_REAL_NAME_CASES = [
    # (who, role, where the role is held, may see the real name of an agent of Nîmes)
    ("self", Role.AGENT, "nimes", True),
    ("colleague", Role.AGENT, "nimes", True),
    ("colleague", Role.EDITOR, "nimes", True),
    ("colleague", Role.QUALITY_MANAGER, "nimes", True),
    ("colleague", Role.ADMINISTRATOR, "nimes", True),
    ("above", Role.ADMINISTRATOR, "gard", True),
    ("above", Role.ADMINISTRATOR, "gard_service", True),
    ("above", Role.NATIONAL_ADMINISTRATOR, "network", True),
    ("above", Role.QUALITY_MANAGER, "gard", False),
    ("above", Role.QUALITY_MANAGER, "gard_service", False),
    ("above", Role.EDITOR, "gard", False),
    ("above", Role.AGENT, "gard", False),
    ("sibling", Role.AGENT, "ales", False),
    ("sibling", Role.ADMINISTRATOR, "ales", False),
    ("elsewhere", Role.ADMINISTRATOR, "moselle", False),
    ("elsewhere", Role.NATIONAL_ADMINISTRATOR, "other_network", False),
]


@pytest.mark.parametrize(("who", "role", "held_on", "allowed"), VIEW_REAL_NAME_CASES)
def test_view_real_name(tree, member, who, role, held_on, allowed):
    """The real name of an agent is visible to the agent, to any member of the agent's own
    structure, and to the administrators who keep the register above it; a quality manager or an
    editor of a parent structure sees the pseudonym only (CRPA L111-2 exception)."""
    agent = AgentFactory(structure=tree.nimes)
    user = agent.user if who == "self" else member(role, getattr(tree, held_on))
    assert agent_abilities(user, agent)["view_real_name"] is allowed


def test_view_real_name_is_withdrawn_with_the_role(tree):
    """A former colleague whose role in the agent's structure was withdrawn no longer sees the name."""
    agent = AgentFactory(structure=tree.nimes)
    former = MembershipFactory(role=Role.AGENT, structure=tree.nimes, is_active=False).user
    assert agent_abilities(former, agent)["view_real_name"] is False


def test_superuser_sees_real_names(tree):
    """A superuser sees the real name of any agent."""
    agent = AgentFactory(structure=tree.other_site)
    assert agent_abilities(UserFactory(superuser=True), agent)["view_real_name"] is True


@pytest.mark.parametrize(
    ("role", "structure"),
    [
        (Role.ADMINISTRATOR, "nimes"),
        (Role.ADMINISTRATOR, "gard"),
        (Role.NATIONAL_ADMINISTRATOR, "network"),
    ],
)
def test_an_administrator_cannot_grant_an_exception_to_themself(tree, member, role, structure):
    """Even an administrator covering their own structure may not approve their own exception,
    while they keep the other agent abilities on themself."""
    agent = AgentFactory(structure=tree.nimes, role=Role.AGENT)
    MembershipFactory(user=agent.user, role=role, structure=getattr(tree, structure))
    abilities = agent_abilities(agent.user, agent)
    assert abilities["grant_anonymity"] is False
    assert abilities["update"] is True
    assert abilities["view_real_name"] is True


@pytest.mark.parametrize(
    ("role", "on", "view", "revoke"),
    [
        (Role.AGENT, "gard", False, False),
        (Role.EDITOR, "gard", False, False),
        (Role.QUALITY_MANAGER, "gard", True, False),
        (Role.ADMINISTRATOR, "gard", True, True),
        (Role.NATIONAL_ADMINISTRATOR, "network", True, True),
        (Role.ADMINISTRATOR, "moselle", False, False),
    ],
)
def test_anonymity_register_entry_abilities(tree, member, role, on, view, revoke):
    """The register is read by quality managers and administrators of the agent's subtree; only
    administrators may lift an entry; nobody outside the subtree sees it."""
    exception = AnonymityExceptionFactory(agent=AgentFactory(structure=tree.nimes))
    user = member(role, getattr(tree, on))
    assert anonymity_exception_abilities(user, exception) == {"view": view, "revoke": revoke}


def test_a_lifted_register_entry_cannot_be_lifted_again(tree, member):
    """Once revoked, an entry offers no revoke ability, even to its administrator."""
    exception = AnonymityExceptionFactory(agent=AgentFactory(structure=tree.nimes), revoked=True)
    abilities = anonymity_exception_abilities(member(Role.ADMINISTRATOR, tree.gard), exception)
    assert abilities == {"view": True, "revoke": False}


def test_an_administrator_cannot_lift_their_own_register_entry(tree):
    """The revoke ability follows the service rule: never on one's own exception."""
    agent = AgentFactory(structure=tree.gard, role=Role.ADMINISTRATOR)
    exception = AnonymityExceptionFactory(agent=agent)
    assert anonymity_exception_abilities(agent.user, exception) == {"view": True, "revoke": False}
