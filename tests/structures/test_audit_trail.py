"""Every read of agents' personal data and every write from the technical admin is audited."""

import pytest
from django.core.exceptions import PermissionDenied

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures import services
from tests.accounts.factories import UserFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory


@pytest.mark.parametrize(
    ("url", "channel"), [("/espace-agent/agents/", "backoffice"), ("/api/v1/agents/", "api")]
)
def test_listing_agents_is_audited(client, tree, member, url, channel):
    """Listing agents (names are personal data) writes one audit entry with the structures seen."""
    viewer = member(Role.ADMINISTRATOR, tree.gard)
    agent = AgentFactory(structure=tree.nimes)
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    entry = AuditLogEntry.objects.get(action="agent.listed")
    assert entry.actor == viewer
    assert entry.details["channel"] == channel
    assert agent.structure_id in entry.details["structures"]


def test_agent_cannot_revoke_their_own_exception(tree, member):
    """An administrator under an exception cannot lift it themself (same rule as approval)."""
    exception = AnonymityExceptionFactory(agent=AgentFactory(structure=tree.gard))
    services.membership_grant(
        actor=None, user=exception.agent.user, structure=tree.gard, role=Role.ADMINISTRATOR
    )
    with pytest.raises(PermissionDenied):
        services.anonymity_exception_revoke(
            actor=exception.agent.user, exception=exception, reason="Je ne suis plus menacé."
        )


def test_admin_edit_of_a_structure_is_audited(client, tree):
    """Renaming a structure in /gestion/ goes through the service and leaves an audit entry."""
    client.force_login(UserFactory(superuser=True))
    url = f"/gestion/structures/structure/{tree.metz.pk}/change/"
    data = {
        "kind": tree.metz.kind,
        "name": "Accueil de Metz-Centre",
        "parent": tree.metz.parent_id,
        "sp_code": tree.metz.sp_code,
        "street_address": tree.metz.street_address,
        "postal_code": "57000",
        "city": "Metz",
        "commune_insee": "57463",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLogEntry.objects.get(action="structure.updated", object_id=str(tree.metz.pk))
    assert entry.details["fields"] == ["name"]


def test_admin_grants_and_withdraws_roles_through_the_services(client, tree):
    """Adding a membership in /gestion/ applies the service rules and audits; unticking
    "actif" withdraws the role without deleting it."""
    admin_user = UserFactory(superuser=True)
    target = UserFactory()
    client.force_login(admin_user)
    response = client.post(
        "/gestion/accounts/membership/add/",
        {
            "user": target.pk,
            "structure": tree.gard.pk,
            "role": Role.QUALITY_MANAGER,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=target, structure=tree.gard)
    assert AuditLogEntry.objects.filter(
        action="membership.granted", object_id=str(membership.pk)
    ).exists()

    response = client.post(f"/gestion/accounts/membership/{membership.pk}/change/", {})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert AuditLogEntry.objects.filter(
        action="membership.revoked", object_id=str(membership.pk)
    ).exists()
