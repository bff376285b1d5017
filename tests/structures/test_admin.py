"""The technical back office (/gestion/): it opens, and its writes go through the services."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.models import (
    PSEUDONYM_RE,
    Agent,
    AnonymityException,
    AnonymityGround,
    Structure,
    StructureKind,
)
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "structures_structure",
    "structures_agent",
    "structures_anonymityexception",
    "accounts_user",
    "accounts_membership",
    "core_auditlogentry",
]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(superuser=True))
    return client


@pytest.fixture
def populated(tree):
    """A few rows of every kind, so the changelists render real lines."""
    agent = AgentFactory(structure=tree.nimes)
    AnonymityExceptionFactory(agent=agent)
    MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard)
    return tree


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_open_for_a_superuser(superuser_client, populated, model):
    """Every registered model's list opens in the technical back office."""
    response = superuser_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_search_works(superuser_client, populated, model):
    """The search box of every list runs (its search fields exist)."""
    response = superuser_client.get(reverse(f"admin:{model}_changelist"), {"q": "a"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["structures_structure", "structures_agent", "accounts_user"])
def test_change_forms_open(superuser_client, populated, model):
    """The change form of a structure, an agent and a user opens."""
    obj = {
        "structures_structure": lambda: populated.nimes,
        "structures_agent": lambda: Agent.objects.first(),
        "accounts_user": lambda: Agent.objects.first().user,
    }[model]()
    response = superuser_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_admin_needs_a_staff_account(client, tree):
    """An agent without staff access is sent to the admin login page."""
    client.force_login(AgentFactory(structure=tree.nimes).user)
    response = client.get(reverse("admin:structures_structure_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def _structure_form(**overrides) -> dict:
    return {
        "kind": StructureKind.ADMINISTRATION,
        "name": "CAF de la Guyane",
        "parent": "",
        "sp_code": "",
        "street_address": "8 rue Léopold Héder",
        "postal_code": "97300",
        "city": "Cayenne",
        "commune_insee": "97302",
        "_save": "Enregistrer",
    } | overrides


def test_adding_a_structure_goes_through_the_service(superuser_client, tree):
    """A structure added in the admin gets its materialised path and an audit entry."""
    response = superuser_client.post(
        reverse("admin:structures_structure_add"), _structure_form(parent=tree.network.pk)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    structure = Structure.objects.get(name="CAF de la Guyane")
    assert structure.parent == tree.network
    assert structure.path == f"{tree.network.path}{structure.pk:09d}/"
    assert structure.sp_code is None
    entry = AuditLogEntry.objects.get(action="structure.created", object_id=str(structure.pk))
    assert entry.actor == response.wsgi_request.user


def test_adding_a_structure_with_a_wrong_parent_shows_the_error(superuser_client, tree):
    """A site without parent is refused on the form, in French, and nothing is created."""
    response = superuser_client.post(
        reverse("admin:structures_structure_add"),
        _structure_form(kind=StructureKind.SITE, name="Accueil orphelin"),
    )
    assert response.status_code == 200
    assert "Seul un réseau peut être à la racine" in response.content.decode()
    assert not Structure.objects.filter(name="Accueil orphelin").exists()


def test_moving_a_structure_in_the_admin_rewrites_the_subtree(superuser_client, tree):
    """Changing the parent in the admin moves the whole subtree (paths and audit)."""
    response = superuser_client.post(
        reverse("admin:structures_structure_change", args=[tree.gard_service.pk]),
        _structure_form(
            kind=StructureKind.SERVICE,
            name="Service relation allocataires",
            parent=tree.moselle.pk,
            sp_code=tree.gard_service.sp_code,
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    tree.nimes.refresh_from_db()
    assert tree.nimes.path.startswith(tree.moselle.path)
    assert AuditLogEntry.objects.filter(action="structure.moved").exists()


def test_adding_an_agent_goes_through_the_service(superuser_client, tree):
    """An agent added in the admin gets an account, a pseudonym, a first role and an audit entry."""
    response = superuser_client.post(
        reverse("admin:structures_agent_add"),
        {
            "email": "Nouvelle.Agente@CAF.test",
            "structure": tree.nimes.pk,
            "first_name": "Inès",
            "last_name": "Diallo",
            "position": "Conseillère",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    agent = Agent.objects.get(last_name="Diallo")
    assert agent.user.email == "nouvelle.agente@caf.test"
    assert PSEUDONYM_RE.match(agent.pseudonym)
    assert Membership.objects.filter(
        user=agent.user, structure=tree.nimes, role=Role.AGENT
    ).exists()
    entry = AuditLogEntry.objects.get(action="agent.created")
    assert entry.object_id == str(agent.pk)
    assert entry.actor == response.wsgi_request.user


def test_adding_an_agent_with_a_used_email_shows_the_error(superuser_client, tree):
    """An e-mail already used by an account is refused on the form and nothing is created."""
    existing = AgentFactory(structure=tree.nimes)
    response = superuser_client.post(
        reverse("admin:structures_agent_add"),
        {
            "email": existing.user.email.upper(),
            "structure": tree.nimes.pk,
            "first_name": "Doublon",
            "last_name": "Doublon",
            "position": "Conseiller",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail." in response.content.decode()
    assert not Agent.objects.filter(last_name="Doublon").exists()


def test_editing_an_agent_in_the_admin_keeps_the_pseudonym(superuser_client, tree):
    """Changing an agent's name in the admin does not change their public pseudonym."""
    agent = AgentFactory(structure=tree.nimes)
    pseudonym = agent.pseudonym
    response = superuser_client.post(
        reverse("admin:structures_agent_change", args=[agent.pk]),
        {
            "structure": tree.nimes.pk,
            "first_name": "Renommée",
            "last_name": agent.last_name,
            "position": agent.position,
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    agent.refresh_from_db()
    assert agent.first_name == "Renommée"
    assert agent.pseudonym == pseudonym


def test_adding_a_front_desk_agent_on_a_network_shows_the_error(superuser_client, tree):
    """A front-desk agent cannot be attached to a network: the form says so, nothing is created."""
    response = superuser_client.post(
        reverse("admin:structures_agent_add"),
        {
            "email": "reseau@caf.test",
            "structure": tree.network.pk,
            "first_name": "Sans",
            "last_name": "Site",
            "position": "Conseiller",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 200
    assert "pas à un réseau" in html.unescape(response.content.decode())
    assert not Agent.objects.filter(last_name="Site").exists()


def _exception_form(agent, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "agent": agent.pk,
        "ground": AnonymityGround.PUBLIC_SECURITY,
        "justification": "Agent menacé publiquement sur les réseaux sociaux, plainte déposée.",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=30)).isoformat(),
        "_save": "Enregistrer",
    } | overrides


def test_adding_an_exception_in_the_admin_goes_through_the_service(superuser_client, tree):
    """An exception recorded in the admin is approved by the signed-in superuser and audited."""
    agent = AgentFactory(structure=tree.nimes)
    response = superuser_client.post(
        reverse("admin:structures_anonymityexception_add"), _exception_form(agent)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    exception = AnonymityException.objects.get(agent=agent)
    assert exception.approved_by == response.wsgi_request.user
    assert AuditLogEntry.objects.filter(
        action="anonymity_exception.granted", object_id=str(exception.pk)
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"justification": "Trop court."}, "au moins 30 caractères"),
        ({"valid_until": "2000-01-01"}, "La date de fin doit suivre la date de début."),
    ],
)
def test_invalid_exception_in_the_admin_shows_the_error(superuser_client, tree, overrides, message):
    """A refused exception is reported on the admin form, not as a server error."""
    agent = AgentFactory(structure=tree.nimes)
    response = superuser_client.post(
        reverse("admin:structures_anonymityexception_add"), _exception_form(agent, **overrides)
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not AnonymityException.objects.exists()


def test_superuser_cannot_approve_their_own_exception_in_the_admin(client, tree):
    """A superuser who is also an agent cannot approve their own exception, even in the admin."""
    agent = AgentFactory(structure=tree.nimes)
    agent.user.is_superuser = agent.user.is_staff = True
    agent.user.save()
    client.force_login(agent.user)
    response = client.post(
        reverse("admin:structures_anonymityexception_add"), _exception_form(agent)
    )
    assert response.status_code == 200
    assert "ne pas être l'agent lui-même" in html.unescape(response.content.decode())
    assert not AnonymityException.objects.exists()


def test_revoke_action_lifts_open_exceptions(superuser_client, tree):
    """The admin "revoke" action lifts the selected exceptions through the service (audited)."""
    exception = AnonymityExceptionFactory(agent=AgentFactory(structure=tree.nimes))
    response = superuser_client.post(
        reverse("admin:structures_anonymityexception_changelist"),
        {"action": "revoke", "_selected_action": [exception.pk]},
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.revoked_at is not None
    assert AuditLogEntry.objects.filter(action="anonymity_exception.revoked").exists()


def test_admin_refuses_turning_a_structure_with_sites_into_a_site(superuser_client, tree):
    """The technical back office reports the error instead of saving a site with children."""
    response = superuser_client.post(
        reverse("admin:structures_structure_change", args=[tree.gard_service.pk]),
        {
            "kind": StructureKind.SITE,
            "name": tree.gard_service.name,
            "parent": tree.gard.pk,
            "sp_code": tree.gard_service.sp_code,
            "street_address": "",
            "postal_code": "",
            "city": "",
            "commune_insee": "",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 200
    assert "ne peut pas accueillir" in html.unescape(response.content.decode())
    assert Structure.objects.get(pk=tree.gard_service.pk).kind == StructureKind.SERVICE
