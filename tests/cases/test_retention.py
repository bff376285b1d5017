"""Retention of correction cases and the person's right of access (export)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.attachments import check_upload
from bonnefoi.cases.models import Attachment, Case, CaseState, Draft
from bonnefoi.cases.retention import person_data_export, purge
from bonnefoi.core.models import AuditLogEntry
from tests.cases.factories import agent_in, submit, world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.CASE_FILES_ROOT = tmp_path / "case_files"
    settings.CASE_RETENTION_DAYS = 730
    settings.CASE_DRAFT_RETENTION_DAYS = 30


def closed_case(w, agent, *, days_ago: int):
    draft = services.draft_for(services.new_secret())
    services.draft_attach(
        draft=draft,
        checked=check_upload(SimpleUploadedFile("avis.pdf", PDF, "application/pdf")),
        limit=10,
    )
    from tests.cases.factories import declaration

    case, _ = services.case_submit(draft=draft, declaration=declaration(w.procedure))
    case = services.case_take(case=case, user=agent, expected_version=None)
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED, closed_at=timezone.now() - timedelta(days=days_ago)
    )
    return case


def test_closed_cases_past_retention_are_deleted_with_their_files(settings):
    """A case closed 731 days ago goes, with its document on disk; one closed 700 days ago and
    an open case stay; --dry-run deletes nothing and says what would go."""
    w = world()
    agent = agent_in(w.gard)
    old = closed_case(w, agent, days_ago=731)
    recent = closed_case(w, agent, days_ago=700)
    still_open = submit(w.procedure)
    path = settings.CASE_FILES_ROOT / old.attachments.get().file.name
    assert path.exists()

    out = StringIO()
    call_command("purge_cases", "--dry-run", stdout=out)
    assert old.reference in out.getvalue()
    assert "seraient supprimés" in out.getvalue()
    assert Case.objects.filter(pk=old.pk).exists()

    report = purge()
    assert report.cases == [old.reference]
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not path.exists()
    assert set(Case.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert AuditLogEntry.objects.filter(action="case.purge").exists()


def test_abandoned_drafts_are_deleted_with_their_uploads(settings):
    """A draft untouched for 31 days is deleted with its uploaded file; a fresh one stays."""
    old = services.draft_for("ancien")
    attachment = services.draft_attach(
        draft=old,
        checked=check_upload(SimpleUploadedFile("a.pdf", PDF, "application/pdf")),
        limit=10,
    )
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    fresh = services.draft_for("recent")
    path = settings.CASE_FILES_ROOT / attachment.file.name
    report = purge()
    assert report.drafts == 1
    assert list(Draft.objects.all()) == [fresh]
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_person_data_export_by_an_administrator():
    """An administrator of the subtree exports every case filed with an address, internal
    notes included; the export is audited; an agent without the right is refused; cases of
    other subtrees are not included."""
    w = world()
    admin = agent_in(w.gard, Role.ADMINISTRATOR)
    agent = agent_in(w.gard)
    mine = submit(w.procedure, contact_email="Camille@exemple.test")
    services.case_take(case=mine, user=agent, expected_version=None)
    services.case_note(case=mine, user=agent, body="Appel de la personne ce matin.")
    submit(w.procedure, postal_code="57000", contact_email="camille@exemple.test")  # Moselle
    data = person_data_export(actor=admin, email="camille@exemple.test")
    assert [case["reference"] for case in data["cases"]] == [mine.reference]
    texts = [event["text"] for event in data["cases"][0]["events"]]
    assert "Appel de la personne ce matin." in texts
    assert AuditLogEntry.objects.filter(action="case.export", object_id=str(mine.pk)).exists()
    with pytest.raises(PermissionDenied):
        person_data_export(actor=agent, email="camille@exemple.test")


def test_export_command_writes_json(tmp_path):
    """The command writes the JSON file for the administrator named with --as."""
    w = world()
    admin = agent_in(w.gard, Role.ADMINISTRATOR)
    case = submit(w.procedure, contact_email="dominique@exemple.test")
    output = tmp_path / "export.json"
    call_command(
        "export_person_data",
        "--email",
        "dominique@exemple.test",
        "--as",
        admin.email,
        "--output",
        str(output),
        stderr=StringIO(),
    )
    data = json.loads(output.read_text())
    assert data["cases"][0]["reference"] == case.reference
    assert data["cases"][0]["correct_value"].startswith("Mon salaire")


def test_documents_of_a_kept_case_survive_the_purge_of_its_old_draft(settings):
    """A case closed 100 days ago is kept; its draft, untouched for 31 days, is purged, but the
    documents sent with it belong to the case and stay on disk."""
    w = world()
    case = closed_case(w, agent_in(w.gard), days_ago=100)
    Draft.objects.filter(case=case).update(updated_at=timezone.now() - timedelta(days=31))
    document = case.attachments.get()
    path = settings.CASE_FILES_ROOT / document.file.name
    report = purge()
    assert report.drafts == 1
    assert report.files == 0
    assert path.exists()
    assert Case.objects.filter(pk=case.pk).exists()
    assert case.attachments.get() == document
