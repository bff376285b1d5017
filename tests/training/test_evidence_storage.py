"""Attestations: kept outside the web root under random names, served only through the
authenticated, audited download; files stored before the change move there with the migration."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.training.models import Completion, EvidenceStorage
from tests.structures.factories import AgentFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agent(tree):
    return AgentFactory(structure=tree.nimes)


def _record(agent, **kwargs):
    return CompletionFactory(
        agent=agent,
        evidence_reference="",
        evidence_file=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
        **kwargs,
    )


def test_attestation_goes_to_the_private_root_under_a_random_name(agent, evidence_root, media_root):
    """The file lands under TRAINING_EVIDENCE_ROOT, nothing under MEDIA_ROOT; its name tells
    neither the agent, the module nor the year, and two uploads never share a name."""
    first = _record(agent)
    second = _record(agent, module=ModuleFactory())
    name = first.evidence_file.name
    assert Path(first.evidence_file.path) == Path(evidence_root, name).resolve()
    assert Path(first.evidence_file.path).read_bytes() == PDF
    assert re.fullmatch(r"[0-9a-f]{2}/[A-Za-z0-9_-]{32}\.pdf", name), name
    assert second.evidence_file.name != name
    assert not any(Path(media_root).rglob("*"))


def test_attestation_has_no_public_url(agent):
    """The storage gives no URL: the only way to read a file is the download view."""
    completion = _record(agent)
    with pytest.raises(ValueError, match="pas d'adresse publique"):
        _ = completion.evidence_file.url


def test_download_checks_rights_and_is_audited(client, tree, member, agent):
    """The download view serves the private file to the agent's administrator with an audit
    entry, and answers 404 outside the agent's subtree and redirects anonymous visitors."""
    completion = _record(agent)
    url = reverse("training:evidence", kwargs={"pk": completion.pk})
    assert client.get(url).status_code == 302
    admin = member(Role.ADMINISTRATOR, tree.gard)
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AuditLogEntry.objects.filter(action="training.evidence_viewed", actor=admin).exists()
    client.force_login(member(Role.ADMINISTRATOR, tree.moselle))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("inside", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_a_root_inside_the_web_root_is_refused(settings, tmp_path, inside):
    """TRAINING_EVIDENCE_ROOT under MEDIA_ROOT or STATIC_ROOT stops every use of the storage."""
    setattr(settings, inside, tmp_path / "web")
    settings.TRAINING_EVIDENCE_ROOT = tmp_path / "web" / "attestations"
    with pytest.raises(ImproperlyConfigured, match="hors de MEDIA_ROOT"):
        EvidenceStorage().save("x.pdf", ContentFile(PDF))


def test_the_root_follows_the_setting_at_each_use(settings, tmp_path):
    """Changing TRAINING_EVIDENCE_ROOT moves the storage at once (no cached location)."""
    storage = EvidenceStorage()
    settings.TRAINING_EVIDENCE_ROOT = tmp_path / "elsewhere"
    assert storage.location == str((tmp_path / "elsewhere").resolve())


def test_migration_moves_old_files_out_of_media_root(agent, evidence_root, media_root):
    """A file stored before the change (MEDIA_ROOT/training/evidence/<agent>/<year>/<module>.pdf)
    moves to the private root under a random name, and leaves MEDIA_ROOT; running the move
    again changes nothing."""
    completion = CompletionFactory(agent=agent)
    legacy = f"training/evidence/{agent.pk}/2025/{completion.module_id}.pdf"
    default_storage.save(legacy, ContentFile(PDF))
    Completion.objects.filter(pk=completion.pk).update(evidence_file=legacy)
    migration = importlib.import_module(
        "bonnefoi.training.migrations.0003_evidence_private_storage"
    )

    migration.to_private_storage(apps, None)

    completion.refresh_from_db()
    name = completion.evidence_file.name
    assert not name.startswith("training/")
    assert Path(evidence_root, name).read_bytes() == PDF
    assert not default_storage.exists(legacy)
    migration.to_private_storage(apps, None)
    completion.refresh_from_db()
    assert completion.evidence_file.name == name
