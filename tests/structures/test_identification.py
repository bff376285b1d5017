"""What the public sees of an agent on each channel (CRPA L111-2, L212-1) and the pseudonym rule."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.structures import services
from bonnefoi.structures.identification import (
    Channel,
    agent_public_identity,
    structure_public_label,
)
from bonnefoi.structures.models import Agent
from tests.accounts.factories import UserFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

PSEUDONYM_FORMAT = re.compile(r"^Agent [0-9A-HJ-NP-Z]{4}$")


@pytest.fixture
def named_agent(tree):
    return AgentFactory(
        structure=tree.nimes, first_name="Camille", last_name="Fabre", position="Conseillère"
    )


@pytest.fixture
def protected_agent(tree):
    return AgentFactory(
        structure=tree.nimes,
        first_name="Antoine",
        last_name="Mercier",
        position="Conseiller",
        anonymous=True,
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("network", "Réseau CAF"),
        ("gard", "CAF du Gard"),
        ("gard_service", "CAF du Gard — Service relation allocataires"),
        ("nimes", "CAF du Gard — Accueil de Nîmes"),
        ("metz", "CAF de la Moselle — Accueil de Metz"),
    ],
)
def test_structure_public_label_names_the_administration_then_the_unit(tree, node, expected):
    """A service label is "Administration — Unit", or the name alone for an administration/network."""
    assert structure_public_label(getattr(tree, node)) == expected


@pytest.mark.parametrize("channel", list(Channel))
def test_named_agent_is_identified_by_name_position_and_service_on_every_channel(
    named_agent, channel
):
    """By default every channel shows the first name, last name and service; the identity carries
    the position (qualité) and the administrative address."""
    identity = agent_public_identity(agent=named_agent, channel=channel)
    assert identity.is_pseudonymous is False
    assert identity.name == "Camille Fabre"
    assert identity.position == "Conseillère"
    assert identity.service == "CAF du Gard — Accueil de Nîmes"
    assert identity.address == "365 rue Alphonse Daudet, 30000 Nîmes"
    assert "Camille Fabre" in identity.text
    assert "CAF du Gard — Accueil de Nîmes" in identity.text
    assert named_agent.pseudonym not in identity.text


@pytest.mark.parametrize(
    "channel", [Channel.COUNTER_BADGE, Channel.EMAIL_SIGNATURE, Channel.LETTER_SIGNATURE]
)
def test_written_channels_show_the_position(named_agent, channel):
    """Badges, e-mail and letter signatures show the position next to the name (L212-1)."""
    identity = agent_public_identity(agent=named_agent, channel=channel)
    assert "Conseillère" in identity.lines


def test_email_signature_carries_the_administrative_address(named_agent):
    """The e-mail signature ends with the administrative address of the agent's structure."""
    identity = agent_public_identity(agent=named_agent, channel=Channel.EMAIL_SIGNATURE)
    assert identity.lines == (
        "Camille Fabre",
        "Conseillère",
        "CAF du Gard — Accueil de Nîmes",
        "365 rue Alphonse Daudet, 30000 Nîmes",
    )


def test_phone_greeting_names_service_then_agent(named_agent):
    """On the phone the agent gives the service, then their name."""
    identity = agent_public_identity(agent=named_agent, channel=Channel.PHONE_GREETING)
    assert identity.text.startswith("CAF du Gard — Accueil de Nîmes, Camille Fabre, bonjour.")


@pytest.mark.parametrize("channel", list(Channel))
def test_agent_under_exception_is_shown_by_pseudonym_and_service_only(protected_agent, channel):
    """Under an exception in force, every public channel shows the pseudonym and the service, and
    neither the real first name, last name nor position."""
    identity = agent_public_identity(agent=protected_agent, channel=channel)
    assert identity.is_pseudonymous is True
    assert identity.name == protected_agent.pseudonym
    assert identity.position == ""
    assert identity.service == "CAF du Gard — Accueil de Nîmes"
    assert protected_agent.pseudonym in identity.text
    assert "CAF du Gard — Accueil de Nîmes" in identity.text
    for secret in ("Antoine", "Mercier", "Conseiller"):
        assert secret not in identity.text


VIEWER_CASES = [
    # (viewer, sees the real name of a protected agent of Nîmes)
    ("public", False),
    ("anonymous_user", False),
    ("self", True),
    ("colleague_same_site", True),
    ("agent_other_structure", False),
    ("agent_sibling_site", False),
    ("quality_manager_above", False),
    ("administrator_above", True),
    ("national_administrator", True),
    ("administrator_other_network", False),
    ("superuser", True),
]


@pytest.mark.parametrize(("viewer", "sees_name"), VIEWER_CASES)
def test_viewer_rules_for_an_agent_under_exception(
    tree, member, protected_agent, viewer, sees_name
):
    """The public always gets the pseudonym; in the back office, the agent, their colleagues of the
    same structure and the administrators above see the name, anyone else the pseudonym."""
    viewers = {
        "public": lambda: None,
        "anonymous_user": AnonymousUser,
        "self": lambda: protected_agent.user,
        "colleague_same_site": lambda: AgentFactory(structure=tree.nimes).user,
        "agent_other_structure": lambda: AgentFactory(structure=tree.metz).user,
        "agent_sibling_site": lambda: AgentFactory(structure=tree.ales).user,
        "quality_manager_above": lambda: member(Role.QUALITY_MANAGER, tree.gard),
        "administrator_above": lambda: member(Role.ADMINISTRATOR, tree.gard),
        "national_administrator": lambda: member(Role.NATIONAL_ADMINISTRATOR, tree.network),
        "administrator_other_network": lambda: member(
            Role.ADMINISTRATOR, tree.other_administration
        ),
        "superuser": lambda: UserFactory(superuser=True),
    }
    identity = agent_public_identity(
        agent=protected_agent, channel=Channel.COUNTER_BADGE, viewer=viewers[viewer]()
    )
    assert identity.is_pseudonymous is not sees_name
    assert identity.name == ("Antoine Mercier" if sees_name else protected_agent.pseudonym)
    assert identity.position == ("Conseiller" if sees_name else "")


@pytest.mark.parametrize("trait", ["future", "expired", "revoked"])
def test_exception_not_in_force_leaves_the_real_name(tree, trait):
    """An exception not yet started, expired or revoked does not hide the agent: real name shown."""
    agent = AgentFactory(structure=tree.nimes, first_name="Léa", last_name="Bonnet")
    AnonymityExceptionFactory(agent=agent, **{trait: True})
    for channel in Channel:
        identity = agent_public_identity(agent=agent, channel=channel)
        assert identity.is_pseudonymous is False
        assert identity.name == "Léa Bonnet"


def test_one_exception_in_force_is_enough_among_past_ones(tree):
    """An agent with an expired exception and a current one is shown by pseudonym."""
    agent = AgentFactory(structure=tree.nimes)
    AnonymityExceptionFactory(agent=agent, expired=True)
    AnonymityExceptionFactory(agent=agent, revoked=True)
    AnonymityExceptionFactory(agent=agent)
    assert agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE).is_pseudonymous


@pytest.mark.parametrize(
    ("offset", "hidden"),
    [(-1, False), (0, True), (15, True), (30, True), (31, False)],
)
def test_on_date_checks_the_exception_on_that_day_bounds_included(tree, offset, hidden):
    """``on=`` tells what is shown on a given day: from the first to the last day inclusive."""
    start = timezone.localdate() + dt.timedelta(days=40)
    agent = AgentFactory(structure=tree.nimes)
    AnonymityExceptionFactory(
        agent=agent, valid_from=start, valid_until=start + dt.timedelta(days=30)
    )
    identity = agent_public_identity(
        agent=agent, channel=Channel.LETTER_SIGNATURE, on=start + dt.timedelta(days=offset)
    )
    assert identity.is_pseudonymous is hidden
    assert identity.name == (agent.pseudonym if hidden else agent.full_name)


def test_pseudonyms_have_the_readable_format_and_are_unique(tree):
    """Pseudonyms are "Agent " + 4 characters without I or O, and no two agents share one."""
    agents = AgentFactory.create_batch(25, structure=tree.nimes)
    pseudonyms = [agent.pseudonym for agent in agents]
    assert all(PSEUDONYM_FORMAT.match(pseudonym) for pseudonym in pseudonyms), pseudonyms
    assert len(set(pseudonyms)) == len(pseudonyms)


def test_pseudonym_collision_is_retried_not_shared(tree, monkeypatch):
    """When the generator draws a pseudonym already in use, the new agent gets another one."""
    first = AgentFactory(structure=tree.nimes)
    draws = iter([first.pseudonym, first.pseudonym, "Agent Z9Z9"])
    monkeypatch.setattr(services, "_new_pseudonym", lambda: next(draws))
    second = AgentFactory(structure=tree.nimes)
    assert second.pseudonym == "Agent Z9Z9"
    assert Agent.objects.filter(pseudonym=first.pseudonym).count() == 1


def test_pseudonym_never_changes(tree):
    """Renaming, promoting or moving an agent, or granting an exception, keeps the pseudonym."""
    agent = AgentFactory(structure=tree.nimes)
    pseudonym = agent.pseudonym
    agent.first_name, agent.last_name, agent.position = "Autre", "Nom", "Chef d'accueil"
    agent.structure = tree.metz
    agent.save()
    AnonymityExceptionFactory(agent=agent)
    agent.refresh_from_db()
    assert agent.pseudonym == pseudonym
    assert agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE).name == pseudonym


def test_unknown_channel_is_refused(named_agent):
    """A channel outside the list raises ValueError instead of showing something unchecked."""
    with pytest.raises(ValueError, match="Canal inconnu"):
        agent_public_identity(agent=named_agent, channel="chat")
