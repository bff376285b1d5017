"""The register of anonymity exceptions (CRPA L111-2) and the granting of roles."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import AnonymityException, AnonymityGround
from bonnefoi.structures.services import (
    anonymity_exception_grant,
    anonymity_exception_revoke,
    membership_grant,
)
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

JUSTIFICATION = "Menaces de mort répétées par un usager à l'accueil, plainte déposée."
TODAY = timezone.localdate


def _grant(actor, agent, **overrides):
    arguments = {
        "actor": actor,
        "agent": agent,
        "ground": AnonymityGround.PERSONAL_SAFETY,
        "justification": JUSTIFICATION,
        "valid_from": TODAY(),
        "valid_until": TODAY() + dt.timedelta(days=90),
    } | overrides
    return anonymity_exception_grant(**arguments)


@pytest.fixture
def agent(tree):
    return AgentFactory(structure=tree.nimes)


@pytest.mark.parametrize(
    ("role", "held_on"),
    [
        (Role.ADMINISTRATOR, "nimes"),
        (Role.ADMINISTRATOR, "gard"),
        (Role.NATIONAL_ADMINISTRATOR, "network"),
    ],
)
def test_administrator_of_the_agents_subtree_grants_an_audited_exception(
    tree, member, agent, role, held_on
):
    """An administrator covering the agent's structure records the exception; it is in force,
    hides the agent from the public and is written to the audit log with its ground (never with
    its justification)."""
    admin = member(role, getattr(tree, held_on))
    requester = UserFactory()
    exception = _grant(admin, agent, requested_by=requester, justification=f"  {JUSTIFICATION}  ")

    assert exception.approved_by == admin
    assert exception.requested_by == requester
    assert exception.justification == JUSTIFICATION
    assert exception.is_in_force(TODAY())
    assert agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE).is_pseudonymous
    entry = AuditLogEntry.objects.get(action="anonymity_exception.granted")
    assert entry.actor == admin
    assert entry.object_id == str(exception.pk)
    assert entry.structure == tree.nimes
    assert entry.details["ground"] == AnonymityGround.PERSONAL_SAFETY
    assert "Menaces" not in str(entry.details), "the justification never goes to the audit log"


def test_requester_defaults_to_the_approver(tree, member, agent):
    """Without a separate requester, the approving administrator is recorded as requester."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    assert _grant(admin, agent).requested_by == admin


@pytest.mark.parametrize(
    "who",
    [
        "agent_themself",
        "agent_themself_as_administrator",
        "administrator_other_structure",
        "administrator_sibling_site",
        "quality_manager_above",
        "editor_above",
        "colleague",
    ],
)
def test_who_may_not_grant_an_exception(tree, member, agent, who):
    """Neither the agent (even an administrator), nor an administrator elsewhere, nor a quality
    manager, editor or colleague may approve an exception; nothing is recorded."""
    if who == "agent_themself":
        actor = agent.user
    elif who == "agent_themself_as_administrator":
        MembershipFactory(user=agent.user, role=Role.ADMINISTRATOR, structure=tree.gard)
        actor = agent.user
    else:
        actor = {
            "administrator_other_structure": lambda: member(Role.ADMINISTRATOR, tree.moselle),
            "administrator_sibling_site": lambda: member(Role.ADMINISTRATOR, tree.ales),
            "quality_manager_above": lambda: member(Role.QUALITY_MANAGER, tree.gard),
            "editor_above": lambda: member(Role.EDITOR, tree.gard),
            "colleague": lambda: AgentFactory(structure=tree.nimes).user,
        }[who]()
    with pytest.raises(PermissionDenied):
        _grant(actor, agent)
    assert not AnonymityException.objects.exists()
    assert not AuditLogEntry.objects.filter(action="anonymity_exception.granted").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"justification": "Menaces."}, "justification"),
        ({"justification": " " * 40}, "justification"),
        ({"justification": "x" * 29}, "justification"),
        ({"ground": "convenience"}, "ground"),
        ({"ground": ""}, "ground"),
        ({"valid_until": TODAY() - dt.timedelta(days=1)}, "valid_until"),
    ],
)
def test_invalid_exception_is_refused_in_french(tree, member, agent, overrides, field):
    """A justification under 30 characters, an unknown legal ground or an end before the start is
    refused with a French message on the faulty field, and nothing is recorded."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    with pytest.raises(ValidationError) as excinfo:
        _grant(admin, agent, **overrides)
    assert field in excinfo.value.message_dict
    message = " ".join(excinfo.value.message_dict[field])
    assert any(word in message for word in ("justification", "motif", "date"))
    assert not AnonymityException.objects.exists()


def test_justification_of_exactly_thirty_characters_is_enough(tree, member, agent):
    """The minimum is 30 characters of text, bound included."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    assert _grant(admin, agent, justification="x" * 30).pk


def test_single_day_exception_is_valid(tree, member, agent):
    """An exception may start and end on the same day."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    assert _grant(admin, agent, valid_until=TODAY()).is_in_force(TODAY())


def test_revoke_lifts_the_exception_and_is_audited(tree, member, agent):
    """Revoking records who, when and why; the agent is named again; the audit log says so."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    exception = AnonymityExceptionFactory(agent=agent)
    before = timezone.now()

    anonymity_exception_revoke(actor=admin, exception=exception, reason="  Menaces levées.  ")

    exception.refresh_from_db()
    assert exception.revoked_by == admin
    assert exception.revoked_at >= before
    assert exception.revocation_reason == "Menaces levées."
    assert not exception.is_in_force(TODAY())
    assert not agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE).is_pseudonymous
    entry = AuditLogEntry.objects.get(action="anonymity_exception.revoked")
    assert entry.actor == admin
    assert entry.object_id == str(exception.pk)


def test_revoke_twice_is_refused(tree, member, agent):
    """An exception already lifted cannot be lifted again (the first revocation stays on record)."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    exception = AnonymityExceptionFactory(agent=agent, revoked=True)
    first_reason = exception.revocation_reason
    with pytest.raises(ValidationError, match="déjà levée"):
        anonymity_exception_revoke(actor=admin, exception=exception, reason="Encore.")
    exception.refresh_from_db()
    assert exception.revocation_reason == first_reason
    assert not AuditLogEntry.objects.filter(action="anonymity_exception.revoked").exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_needs_a_reason(tree, member, agent, reason):
    """A revocation without a written reason is refused and the exception stays in force."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    exception = AnonymityExceptionFactory(agent=agent)
    with pytest.raises(ValidationError) as excinfo:
        anonymity_exception_revoke(actor=admin, exception=exception, reason=reason)
    assert "revocation_reason" in excinfo.value.message_dict
    exception.refresh_from_db()
    assert exception.revoked_at is None


@pytest.mark.parametrize(
    ("role", "held_on"), [(Role.QUALITY_MANAGER, "gard"), (Role.ADMINISTRATOR, "moselle")]
)
def test_revoke_needs_the_approval_right_on_the_agent(tree, member, agent, role, held_on):
    """Only an administrator covering the agent's structure may lift an exception."""
    exception = AnonymityExceptionFactory(agent=agent)
    with pytest.raises(PermissionDenied):
        anonymity_exception_revoke(
            actor=member(role, getattr(tree, held_on)), exception=exception, reason="Motif."
        )
    exception.refresh_from_db()
    assert exception.revoked_at is None


# --- membership_grant ------------------------------------------------------------------------


@pytest.mark.parametrize("structure", ["gard", "gard_service", "nimes"])
def test_national_administrator_role_exists_only_on_a_network(tree, member, structure):
    """The national administrator role is refused on anything but a network."""
    national = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    with pytest.raises(ValidationError) as excinfo:
        membership_grant(
            actor=national,
            user=UserFactory(),
            structure=getattr(tree, structure),
            role=Role.NATIONAL_ADMINISTRATOR,
        )
    assert "réseau" in " ".join(excinfo.value.message_dict["role"])


@pytest.mark.parametrize(
    ("actor_kind", "allowed"),
    [
        ("national_administrator", True),
        ("superuser", True),
        ("administrator_on_network", False),
        ("national_administrator_other_network", False),
        ("quality_manager_on_network", False),
    ],
)
def test_only_structure_managers_name_a_national_administrator(tree, member, actor_kind, allowed):
    """Naming a national administrator needs structure.manage on the network (a national
    administrator of that network, or a superuser)."""
    actor = {
        "national_administrator": lambda: member(Role.NATIONAL_ADMINISTRATOR, tree.network),
        "superuser": lambda: UserFactory(superuser=True),
        "administrator_on_network": lambda: member(Role.ADMINISTRATOR, tree.network),
        "national_administrator_other_network": lambda: member(
            Role.NATIONAL_ADMINISTRATOR, tree.other_network
        ),
        "quality_manager_on_network": lambda: member(Role.QUALITY_MANAGER, tree.network),
    }[actor_kind]()
    user = UserFactory()
    if allowed:
        membership = membership_grant(
            actor=actor, user=user, structure=tree.network, role=Role.NATIONAL_ADMINISTRATOR
        )
        assert membership.granted_by == actor
        assert membership.is_active
        return
    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=actor, user=user, structure=tree.network, role=Role.NATIONAL_ADMINISTRATOR
        )
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("role", "held_on", "target", "allowed"),
    [
        (Role.ADMINISTRATOR, "gard", "nimes", True),
        (Role.ADMINISTRATOR, "gard", "gard", True),
        (Role.ADMINISTRATOR, "gard", "moselle", False),
        (Role.ADMINISTRATOR, "nimes", "gard", False),
        (Role.QUALITY_MANAGER, "gard", "nimes", False),
        (Role.EDITOR, "gard", "nimes", False),
    ],
)
def test_roles_are_granted_within_the_administrators_subtree(
    tree, member, role, held_on, target, allowed
):
    """An administrator grants roles in their subtree only; other roles grant nothing."""
    actor = member(role, getattr(tree, held_on))
    user = UserFactory()
    structure = getattr(tree, target)
    if allowed:
        membership_grant(actor=actor, user=user, structure=structure, role=Role.EDITOR)
        entry = AuditLogEntry.objects.filter(action="membership.granted", actor=actor).get()
        assert entry.details == {"role": Role.EDITOR, "user": user.pk}
        return
    with pytest.raises(PermissionDenied):
        membership_grant(actor=actor, user=user, structure=structure, role=Role.EDITOR)
    assert not Membership.objects.filter(user=user).exists()


def test_granting_a_withdrawn_role_again_reactivates_it(tree, member):
    """Granting a role the user held before (now inactive) switches the same row back on."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    withdrawn = MembershipFactory(role=Role.EDITOR, structure=tree.nimes, is_active=False)

    membership = membership_grant(
        actor=admin, user=withdrawn.user, structure=tree.nimes, role=Role.EDITOR
    )

    assert membership.pk == withdrawn.pk
    membership.refresh_from_db()
    assert membership.is_active is True
    assert membership.granted_by == admin
    assert Membership.objects.filter(user=withdrawn.user).count() == 1


def test_granting_a_role_twice_keeps_one_row(tree, member):
    """Granting a role already held does not duplicate it."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    user = UserFactory()
    first = membership_grant(actor=admin, user=user, structure=tree.nimes, role=Role.AGENT)
    second = membership_grant(actor=admin, user=user, structure=tree.nimes, role=Role.AGENT)
    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1
