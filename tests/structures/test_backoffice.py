"""Back office pages: home, agents of the viewer's subtree, agent detail and own identification."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.identification import Channel
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

HOME = reverse("structures:backoffice_home")
AGENT_LIST = reverse("structures:agent_list")
MY_IDENTIFICATION = reverse("structures:my_identification")


def _detail(agent) -> str:
    return reverse("structures:agent_detail", args=[agent.pk])


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (Role.AGENT, "Agent"),
        (Role.EDITOR, "Rédacteur"),
        (Role.QUALITY_MANAGER, "Responsable qualité"),
        (Role.ADMINISTRATOR, "Administrateur"),
    ],
)
def test_home_shows_the_agents_structure_and_role_in_french(client, tree, role, label):
    """The back-office home greets the agent with their service and lists their roles in French."""
    agent = AgentFactory(structure=tree.nimes, first_name="Camille", role=role)
    client.force_login(agent.user)
    response = client.get(HOME)
    assert response.status_code == 200
    text = _text(response)
    assert "Bonjour Camille" in text
    assert "CAF du Gard — Accueil de Nîmes" in text
    assert f"<td>{label}</td>" in text
    assert "<td>Accueil de Nîmes</td>" in text


def test_home_lists_every_role_of_a_user_without_agent_profile(client, tree, member):
    """A user without agent profile sees their e-mail and each of their roles with its structure."""
    user = member(Role.NATIONAL_ADMINISTRATOR, tree.network)
    client.force_login(user)
    text = _text(client.get(HOME))
    assert user.email in text
    assert "<td>Administrateur national</td>" in text
    assert "<td>Réseau CAF</td>" in text
    assert "gérer l'arborescence des structures" in text


@pytest.mark.parametrize(
    "url",
    [HOME, AGENT_LIST, MY_IDENTIFICATION, reverse("structures:agent_detail", args=[1])],
)
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    """Every back-office page redirects an anonymous visitor to /connexion/ with ?next=."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={url}"


def _listed_names(response) -> set[str]:
    return {row["identity"].name for row in response.context["rows"]}


def test_agent_list_holds_the_viewers_subtree_only(client, tree, member):
    """An administrator of the Gard CAF sees the Gard agents only, not Moselle's nor another
    network's."""
    gard = {
        AgentFactory(structure=tree.nimes).full_name,
        AgentFactory(structure=tree.ales).full_name,
        AgentFactory(structure=tree.gard).full_name,
    }
    AgentFactory(structure=tree.metz)
    AgentFactory(structure=tree.other_site)
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.get(AGENT_LIST)
    assert response.status_code == 200
    assert _listed_names(response) == gard


def test_an_agent_cannot_see_another_structures_agents(client, tree):
    """A CAF Moselle agent does not see CAF Gard agents: not in the list, and 404 on their page."""
    moselle_agent = AgentFactory(structure=tree.metz, last_name="Schmitt")
    gard_agent = AgentFactory(structure=tree.nimes, last_name="Fabre")
    client.force_login(moselle_agent.user)

    response = client.get(AGENT_LIST)
    assert _listed_names(response) == {moselle_agent.full_name}
    assert "Fabre" not in _text(response)

    response = client.get(_detail(gard_agent))
    assert response.status_code == 404
    assert "Fabre" not in _text(response)
    assert not AuditLogEntry.objects.filter(action="agent.viewed").exists()


def test_a_site_agent_does_not_see_the_agents_of_a_sibling_site(client, tree):
    """Nîmes and Alès are two sites of the same CAF: an agent of one does not see the other's."""
    nimes_agent = AgentFactory(structure=tree.nimes)
    ales_agent = AgentFactory(structure=tree.ales)
    client.force_login(nimes_agent.user)
    assert _listed_names(client.get(AGENT_LIST)) == {nimes_agent.full_name}
    assert client.get(_detail(ales_agent)).status_code == 404


@pytest.mark.parametrize(
    ("viewer", "sees_name"),
    [
        ("quality_manager_above", False),
        ("editor_above", False),
        ("colleague", True),
        ("administrator_above", True),
    ],
)
def test_protected_agent_in_the_list_by_pseudonym_outside_their_structure(
    client, tree, member, viewer, sees_name
):
    """In the list, an agent under exception appears by pseudonym (and without position) to a
    viewer of another structure of the subtree, and by name to a colleague or an administrator."""
    protected = AgentFactory(
        structure=tree.nimes, first_name="Antoine", last_name="Mercier", anonymous=True
    )
    user = {
        "quality_manager_above": lambda: member(Role.QUALITY_MANAGER, tree.gard),
        "editor_above": lambda: member(Role.EDITOR, tree.gard),
        "colleague": lambda: AgentFactory(structure=tree.nimes).user,
        "administrator_above": lambda: member(Role.ADMINISTRATOR, tree.gard),
    }[viewer]()
    client.force_login(user)
    text = _text(client.get(AGENT_LIST))
    assert ("Antoine Mercier" in text) is sees_name
    assert (protected.pseudonym in text) is not sees_name
    if not sees_name:
        assert "Mercier" not in text
        assert "Pseudonyme" in text


def test_protected_agent_detail_outside_their_structure_hides_the_name(client, tree, member):
    """On the detail page a quality manager above sees the pseudonym only, on every card."""
    protected = AgentFactory(
        structure=tree.nimes, first_name="Antoine", last_name="Mercier", anonymous=True
    )
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    response = client.get(_detail(protected))
    assert response.status_code == 200
    text = _text(response)
    assert "Mercier" not in text
    assert "Antoine" not in text
    assert f"<h1>{protected.pseudonym}</h1>" in text


def test_detail_page_writes_an_audit_entry_with_the_actor(client, tree, member):
    """Reading an agent's page is personal-data access: it is logged with actor and channel."""
    agent = AgentFactory(structure=tree.nimes, last_name="Fabre")
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.get(_detail(agent))
    assert response.status_code == 200
    assert "Fabre" in _text(response)
    entry = AuditLogEntry.objects.get(action="agent.viewed")
    assert entry.actor == admin
    assert entry.object_type == "structures.agent"
    assert entry.object_id == str(agent.pk)
    assert entry.structure == tree.nimes
    assert entry.details == {"channel": "backoffice"}


def test_detail_page_shows_the_register_to_those_who_keep_it(client, tree, member):
    """The register of exceptions appears on the detail page for a quality manager, not an editor."""
    agent = AgentFactory(structure=tree.nimes)
    AnonymityExceptionFactory(agent=agent, expired=True)
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    assert "Registre des exceptions d'anonymat" in _text(client.get(_detail(agent)))
    client.force_login(member(Role.EDITOR, tree.gard))
    assert "Registre des exceptions d'anonymat" not in _text(client.get(_detail(agent)))


def test_my_identification_shows_all_four_channels(client, tree):
    """The agent's own identification page shows one card per channel with their name."""
    agent = AgentFactory(
        structure=tree.nimes, first_name="Camille", last_name="Fabre", position="Conseillère"
    )
    client.force_login(agent.user)
    response = client.get(MY_IDENTIFICATION)
    assert response.status_code == 200
    text = _text(response)
    for channel in Channel:
        assert f">{channel.label}</h3>" in text
    assert [label for label, _identity in response.context["identities"]] == Channel.labels
    assert text.count("Camille Fabre") >= len(Channel)
    # The legal basis is cited as data, with its verification status.
    assert "article L111-2" in text
    assert "référence à vérifier sur Légifrance" in text


def test_my_identification_of_a_protected_agent_shows_the_public_pseudonym(client, tree):
    """An agent under exception sees, on each channel, the pseudonym the public sees."""
    agent = AgentFactory(structure=tree.nimes, last_name="Mercier", anonymous=True)
    client.force_login(agent.user)
    response = client.get(MY_IDENTIFICATION)
    assert all(identity.is_pseudonymous for _label, identity in response.context["identities"])
    assert _text(response).count(agent.pseudonym) >= len(Channel)


def test_my_identification_is_404_for_a_user_without_agent_profile(client, tree, member):
    """A manager without agent profile has no public identification page."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    assert client.get(MY_IDENTIFICATION).status_code == 404


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_agent_list_query_count_does_not_grow_with_the_rows(
    client, tree, member, django_assert_num_queries
):
    """The agent list runs the same number of queries for 2 agents as for 10, protected or not."""
    AgentFactory(structure=tree.nimes)
    AgentFactory(structure=tree.ales, anonymous=True)
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    client.get(AGENT_LIST)  # warm-up: session, content types…
    with_two = _count_queries(client, AGENT_LIST)

    AgentFactory.create_batch(4, structure=tree.nimes)
    AgentFactory.create_batch(4, structure=tree.gard_service, anonymous=True)
    with django_assert_num_queries(with_two) as captured:
        response = client.get(AGENT_LIST)
    assert len(response.context["rows"]) == 10
    assert len(captured) == with_two
