"""Training back office: who reaches what (least privilege per subtree), forms that keep input
and answer 4xx in French, evidence files checked and served with an audit entry."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.models import Agent
from bonnefoi.training.models import Completion, TrainingModule
from tests.structures.factories import AgentFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def agent(tree):
    return AgentFactory(structure=tree.nimes, first_name="Camille", last_name="Fabre")


@pytest.fixture
def module(tree):
    return ModuleFactory(code="accueil-test")


def _get(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs or None))


# (role, structure holding it, agent page status, record form shown, coverage status)
ACCESS = [
    (Role.ADMINISTRATOR, "gard", 200, True, 200),
    (Role.ADMINISTRATOR, "network", 200, True, 200),
    (Role.QUALITY_MANAGER, "gard", 200, False, 200),
    (Role.ADMINISTRATOR, "moselle", 404, False, 200),
    (Role.QUALITY_MANAGER, "other_network", 404, False, 200),
    (Role.EDITOR, "gard", 404, False, 403),
    (Role.AGENT, "nimes", 404, False, 403),
]


@pytest.mark.parametrize(("role", "held_on", "agent_status", "can_record", "coverage"), ACCESS)
def test_access_matrix(
    client, tree, member, agent, role, held_on, agent_status, can_record, coverage
):
    """An agent's training record is read by coverage readers and recorders of the agent's
    subtree only (404 elsewhere, never a confirmation the agent exists); only administrators get
    the form; coverage is for quality managers and administrators."""
    user = member(role, getattr(tree, held_on))
    response = _get(client, user, "training:agent", pk=agent.pk)
    assert response.status_code == agent_status
    if agent_status == 200:
        assert ("Enregistrer une formation" in response.content.decode()) is can_record
    assert _get(client, user, "training:coverage").status_code == coverage


def test_coverage_form_refuses_a_structure_outside_the_subtree(client, tree, member):
    """Asking for another administration's coverage by editing the URL is a French 400."""
    user = member(Role.QUALITY_MANAGER, tree.gard)
    client.force_login(user)
    response = client.get(
        reverse("training:coverage"),
        {"structure": tree.moselle.pk, "on_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "Structure hors de votre périmètre." in response.content.decode()


def test_coverage_page_shows_shares_and_audits_the_overdue_list(
    client, tree, member, agent, module
):
    """The page shows the share of trained agents and lists the overdue refresher by name;
    listing names is written to the audit log."""
    CompletionFactory(
        agent=agent, module=module, completed_on=timezone.localdate() - dt.timedelta(days=800)
    )
    user = member(Role.QUALITY_MANAGER, tree.gard)
    client.force_login(user)
    response = client.get(
        reverse("training:coverage"),
        {"structure": tree.gard.pk, "on_date": timezone.localdate().isoformat()},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Camille Fabre" in body
    assert "0 % (0 sur 1)" in body
    assert AuditLogEntry.objects.filter(actor=user, action="agent.listed").exists()


def test_coverage_hides_an_anonymous_agents_name_from_a_manager_above(client, tree, member, module):
    """A quality manager of the administration sees the pseudonym of a protected agent of a site,
    as everywhere else in the back office (ADR 0002)."""
    protected = AgentFactory(
        structure=tree.nimes, first_name="Bérénice", last_name="Quintard", anonymous=True
    )
    CompletionFactory(
        agent=protected, module=module, completed_on=timezone.localdate() - dt.timedelta(days=800)
    )
    user = member(Role.QUALITY_MANAGER, tree.gard)
    body = _get(client, user, "training:coverage").content.decode()
    assert protected.pseudonym in body
    assert "Quintard" not in body
    body = _get(client, user, "training:agent_list").content.decode()
    assert protected.pseudonym in body
    assert "Quintard" not in body


def test_administrator_records_a_completion_with_an_attestation(
    client, tree, member, agent, module
):
    """A valid completion with a PDF is stored and audited; the file is served to the agent's
    administrator with an audit entry, and never to someone outside the subtree."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.post(
        reverse("training:agent", kwargs={"pk": agent.pk}),
        {
            "action": "completion",
            "module": module.pk,
            "completed_on": "2025-03-14",
            "provider": "Institut régional",
            "evidence_file": SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302
    completion = Completion.objects.get()
    assert completion.recorded_by == admin
    assert AuditLogEntry.objects.filter(action="training.completion_recorded").exists()
    download = client.get(reverse("training:evidence", kwargs={"pk": completion.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert AuditLogEntry.objects.filter(action="training.evidence_viewed", actor=admin).exists()
    outsider = member(Role.ADMINISTRATOR, tree.moselle)
    client.force_login(outsider)
    assert client.get(reverse("training:evidence", kwargs={"pk": completion.pk})).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"completed_on": "2099-01-01"}, "La date de la formation est dans le futur."),
        ({"evidence_reference": ""}, "Joignez l'attestation ou indiquez sa référence."),
        (
            {"evidence_file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00", "application/pdf")},
            "Le contenu du fichier ne correspond pas à un PDF.",
        ),
        (
            {"evidence_file": SimpleUploadedFile("a.exe", b"MZ", "application/octet-stream")},
            "L'attestation doit être un fichier PDF, PNG ou JPEG.",
        ),
        ({"provider": ""}, "Indiquez l'organisme de formation."),
    ],
)
def test_completion_form_refusals_keep_the_input(
    client, tree, member, agent, module, overrides, message
):
    """Each refusal is a 400 with a French message, and the typed provider stays in the form."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    data = {
        "action": "completion",
        "module": module.pk,
        "completed_on": "2025-03-14",
        "provider": "Institut régional",
        "evidence_reference": "",
    } | overrides
    response = client.post(reverse("training:agent", kwargs={"pk": agent.pk}), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in body
    if data["provider"]:
        assert 'value="Institut régional"' in body
    assert not Completion.objects.exists()


def test_duplicate_completion_is_refused(client, tree, member, agent, module):
    """The same module on the same day for the same agent is refused with a French message."""
    CompletionFactory(agent=agent, module=module, completed_on=dt.date(2025, 3, 14))
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(
        reverse("training:agent", kwargs={"pk": agent.pk}),
        {
            "action": "completion",
            "module": module.pk,
            "completed_on": "2025-03-14",
            "provider": "Institut",
            "evidence_reference": "X",
        },
    )
    assert response.status_code == 400
    assert "déjà enregistrée pour cet agent à cette date" in response.content.decode()


def test_quality_manager_cannot_post_a_completion(client, tree, member, agent, module):
    """Reading coverage does not allow recording: the POST is refused (403)."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    response = client.post(
        reverse("training:agent", kwargs={"pk": agent.pk}),
        {
            "action": "completion",
            "module": module.pk,
            "completed_on": "2025-03-14",
            "provider": "I",
            "evidence_reference": "X",
        },
    )
    assert response.status_code == 403
    assert not Completion.objects.exists()


def test_administrator_sets_populations(client, tree, member, agent):
    """An agent manager marks an agent as manager and not front-line; the change is audited."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(
        reverse("training:agent", kwargs={"pk": agent.pk}),
        {"action": "populations", "manager": "on"},
    )
    assert response.status_code == 302
    agent = Agent.objects.get(pk=agent.pk)
    assert (agent.front_line, agent.manager) == (False, True)
    entry = AuditLogEntry.objects.get(action="agent.updated")
    assert entry.details["fields"] == ["front_line", "manager"]


def test_agent_reads_their_own_training_only(client, tree, agent, module):
    """An agent sees "Mes formations"; another agent's record is a 404 for them."""
    CompletionFactory(agent=agent, module=module)
    response = _get(client, agent.user, "training:my_training")
    assert response.status_code == 200
    assert (
        "Module de test" in response.content.decode() or "accueil-test" in response.content.decode()
    )
    colleague = AgentFactory(structure=tree.nimes)
    assert _get(client, agent.user, "training:agent", pk=colleague.pk).status_code == 404


def test_catalogue_shows_platform_and_own_structure_modules(client, tree, member, agent):
    """The catalogue lists the platform modules with their basis, the modules added by the
    agent's administration, and not another administration's."""
    ModuleFactory(title="Module du Gard", owner=tree.gard)
    ModuleFactory(title="Module de la Moselle", owner=tree.moselle)
    body = _get(client, agent.user, "training:catalogue").content.decode()
    assert "La loi ESSOC et le droit à l&#x27;erreur" in body
    assert "Module du Gard" in body
    assert "Module de la Moselle" not in body


def test_module_creation_scoped_and_validated(client, tree, member):
    """An administrator adds a module for a structure of their subtree; a taken code or a
    structure outside is refused in French (400)."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    url = reverse("training:module_new")
    data = {
        "owner": tree.nimes.pk,
        "title": "Accueil en langue des signes",
        "code": "lsf",
        "topic": "reception",
        "refresher_months": "",
    }
    assert client.post(url, data).status_code == 302
    module = TrainingModule.objects.get(code="lsf")
    assert module.owner == tree.nimes
    assert AuditLogEntry.objects.filter(action="training.module_created").exists()
    again = client.post(url, data)
    assert again.status_code == 400
    assert "Un module porte déjà ce code" in again.content.decode()
    outside = client.post(url, data | {"code": "autre", "owner": tree.moselle.pk})
    assert outside.status_code == 400
    assert "Structure hors de votre périmètre." in outside.content.decode()
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    assert client.get(url).status_code == 403


def test_import_form_reports_bad_lines_and_redirects_to_the_report(
    client, tree, member, agent, module
):
    """An administrator uploads an export: good lines in, the stored report lists the bad line;
    another user cannot open that report."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    content = (
        "e-mail;module;date;organisme;référence\n"
        f"{agent.user.email};accueil-test;14/03/2025;Institut;A1\n"
        f"{agent.user.email};accueil-test;14/13/2025;Institut;A2\n"
    ).encode()
    response = client.post(
        reverse("training:import"),
        {"file": SimpleUploadedFile("export.csv", content, "text/csv"), "default_provider": ""},
    )
    assert response.status_code == 302
    report = client.get(response["Location"])
    body = report.content.decode()
    assert "2 lignes lues" in body
    assert "date « 14/13/2025 » invalide" in body
    assert Completion.objects.count() == 1
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    assert client.get(response["Location"]).status_code == 404


def test_import_form_refuses_an_unreadable_file_and_keeps_the_provider(client, tree, member):
    """A file without the needed columns is a 400 that names them; the typed provider stays."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(
        reverse("training:import"),
        {
            "file": SimpleUploadedFile("export.csv", b"nom;prenom\nA;B\n", "text/csv"),
            "default_provider": "Institut régional",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Colonnes introuvables : e-mail, module, date" in body
    assert 'value="Institut régional"' in body


def test_import_form_is_for_recorders_only(client, tree, member):
    """A quality manager cannot import (403 page in French)."""
    response = _get(client, member(Role.QUALITY_MANAGER, tree.gard), "training:import")
    assert response.status_code == 403
    assert "Seuls les administrateurs enregistrent et importent" in response.content.decode()
