"""Agent-facing API: read-only structures and agents of the caller's subtree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.models import StructureKind
from tests.structures.factories import AgentFactory, StructureFactory

pytestmark = pytest.mark.django_db

STRUCTURES = "/api/v1/structures/"
AGENTS = "/api/v1/agents/"


def _ids(response) -> set[int]:
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_structures_list_holds_the_callers_subtree_only(client, tree, member):
    """An administrator of the Gard CAF gets the Gard structures, nothing above or beside."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.get(STRUCTURES)
    assert _ids(response) == {tree.gard.pk, tree.gard_service.pk, tree.nimes.pk, tree.ales.pk}
    names = [row["name"] for row in response.json()["results"]]
    assert names[0] == "CAF du Gard", "tree order: the root of the subtree first"


def test_structure_outside_the_subtree_is_404(client, tree, member):
    """A structure of another administration or network is not found for the caller."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    assert client.get(f"{STRUCTURES}{tree.nimes.pk}/").status_code == 200
    for outside in (tree.network, tree.moselle, tree.other_site):
        response = client.get(f"{STRUCTURES}{outside.pk}/")
        assert response.status_code == 404
        assert response.json()["detail"] == "Ressource introuvable, ou hors de votre périmètre."


def test_structure_carries_the_callers_abilities(client, tree, member):
    """Each structure row tells what the caller may do on it."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    abilities = client.get(f"{STRUCTURES}{tree.nimes.pk}/").json()["abilities"]
    assert abilities["view_anonymity_register"] is True
    assert abilities["create_agent"] is False


def test_an_agent_cannot_see_another_structures_agents_in_the_api(client, tree):
    """Subtree permission: a CAF Moselle agent gets neither the list entry nor the detail of a CAF
    Gard agent (404), and nothing is logged as read."""
    moselle_agent = AgentFactory(structure=tree.metz)
    gard_agent = AgentFactory(structure=tree.nimes, last_name="Fabre")
    client.force_login(moselle_agent.user)

    assert _ids(client.get(AGENTS)) == {moselle_agent.pk}
    response = client.get(f"{AGENTS}{gard_agent.pk}/")
    assert response.status_code == 404
    assert "Fabre" not in response.content.decode()
    assert not AuditLogEntry.objects.filter(action="agent.viewed").exists()


def test_agents_list_holds_the_callers_subtree_only(client, tree, member):
    """A national administrator gets every agent of the network and none of another network."""
    inside = {AgentFactory(structure=s).pk for s in (tree.nimes, tree.ales, tree.metz, tree.gard)}
    AgentFactory(structure=tree.other_site)
    client.force_login(member(Role.NATIONAL_ADMINISTRATOR, tree.network))
    assert _ids(client.get(AGENTS)) == inside


@pytest.mark.parametrize("url", [STRUCTURES, AGENTS, f"{AGENTS}1/", f"{STRUCTURES}1/"])
def test_unauthenticated_calls_are_refused_in_french(client, url):
    """Without a session the API answers 401/403 in JSON with a French ``detail``."""
    response = client.get(url)
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == (
        "Authentification requise : connectez-vous à l'espace agent."
    )


def test_agent_detail_is_audited_with_the_api_channel(client, tree, member):
    """Reading one agent through the API writes agent.viewed with actor and channel "api"."""
    agent = AgentFactory(structure=tree.nimes)
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.get(f"{AGENTS}{agent.pk}/")
    assert response.status_code == 200
    assert response.json()["display_name"] == agent.full_name
    entry = AuditLogEntry.objects.get(action="agent.viewed")
    assert entry.actor == admin
    assert entry.object_id == str(agent.pk)
    assert entry.details == {"channel": "api"}


@pytest.mark.parametrize(
    ("viewer", "sees_name"),
    [("quality_manager_above", False), ("colleague", True), ("administrator_above", True)],
)
@pytest.mark.parametrize("endpoint", ["list", "detail"])
def test_protected_agent_is_pseudonymous_outside_their_structure(
    client, tree, member, viewer, sees_name, endpoint
):
    """In the API, an agent under exception is shown to a viewer outside their structure by
    pseudonym with an empty position; a colleague or an administrator above sees the name."""
    protected = AgentFactory(
        structure=tree.nimes,
        first_name="Antoine",
        last_name="Mercier",
        position="Conseiller",
        anonymous=True,
    )
    user = {
        "quality_manager_above": lambda: member(Role.QUALITY_MANAGER, tree.gard),
        "colleague": lambda: AgentFactory(structure=tree.nimes).user,
        "administrator_above": lambda: member(Role.ADMINISTRATOR, tree.gard),
    }[viewer]()
    client.force_login(user)
    if endpoint == "list":
        rows = client.get(AGENTS).json()["results"]
        row = next(row for row in rows if row["id"] == protected.pk)
    else:
        row = client.get(f"{AGENTS}{protected.pk}/").json()
    assert row["display_name"] == ("Antoine Mercier" if sees_name else protected.pseudonym)
    assert row["position"] == ("Conseiller" if sees_name else "")
    assert row["is_pseudonymous"] is not sees_name
    assert row["abilities"]["view_real_name"] is sees_name
    if not sees_name:
        assert "Mercier" not in str(row)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", STRUCTURES),
        ("post", AGENTS),
        ("put", "{agents}{pk}/"),
        ("patch", "{agents}{pk}/"),
        ("delete", "{agents}{pk}/"),
        ("delete", "{structures}{structure}/"),
    ],
)
def test_api_is_read_only(client, tree, member, method, url):
    """Even an administrator cannot write through the API: 405 (or 403) and nothing changes."""
    agent = AgentFactory(structure=tree.nimes)
    client.force_login(member(Role.NATIONAL_ADMINISTRATOR, tree.network))
    target = url.format(agents=AGENTS, structures=STRUCTURES, pk=agent.pk, structure=tree.nimes.pk)
    response = getattr(client, method)(
        target, data={"name": "Piratage"}, content_type="application/json"
    )
    assert response.status_code in (403, 405)
    assert response.json()["detail"]
    agent.refresh_from_db()  # still there
    tree.nimes.refresh_from_db()
    assert tree.nimes.name == "Accueil de Nîmes"


def test_schema_documents_both_endpoints(client):
    """/api/v1/schema/ is a public OpenAPI 3 document listing the structures and agents paths."""
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/structures/", "/api/v1/agents/", "/api/v1/agents/{id}/"):
        assert "get" in schema["paths"].get(path, {}), path
    assert "post" not in schema["paths"]["/api/v1/agents/"]


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context), response.json()["count"]


def _grow(tree, kind: str, count: int) -> None:
    if kind == "agents":
        AgentFactory.create_batch(count // 2, structure=tree.metz)
        AgentFactory.create_batch(count - count // 2, structure=tree.moselle, anonymous=True)
    else:
        StructureFactory.create_batch(count, kind=StructureKind.SITE, parent=tree.moselle)


@pytest.mark.parametrize(("url", "kind"), [(AGENTS, "agents"), (STRUCTURES, "structures")])
def test_list_query_count_does_not_grow_with_the_rows(
    client, tree, member, url, kind, django_assert_num_queries
):
    """The agents and structures lists run as many queries for 10 rows as for 2."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.moselle))
    if kind == "agents":
        _grow(tree, kind, 2)
    client.get(url)  # warm-up
    queries, rows = _count(client, url)
    assert rows == 2

    _grow(tree, kind, 8)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.json()["count"] == 10
