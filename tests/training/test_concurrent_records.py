"""Two records of the same completion at the same time: the second one, which passed the
duplicate check before the first was written, gets the French duplicate message (form: 400),
leaves no orphan attestation, and an import reports the line instead of failing whole.

The race is reproduced by hiding the competing record from the duplicate check only."""

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.training import forms, services
from bonnefoi.training.importing import DUPLICATE, import_completions
from bonnefoi.training.models import Completion, ImportBatch
from tests.structures.factories import AgentFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DAY = dt.date(2025, 3, 14)


@pytest.fixture
def agent(tree):
    return AgentFactory(structure=tree.nimes, email="camille@exemple.test")


@pytest.fixture
def module():
    return ModuleFactory(code="accueil-test")


@pytest.fixture
def competitor(monkeypatch, agent, module):
    """A record of the same agent, module and day is stored, but the duplicate check of the
    next record does not see it - as when a concurrent request commits between that check and
    the insert (the check of a real race ran too early to find it)."""
    CompletionFactory(agent=agent, module=module, completed_on=DAY, evidence_reference="A-1")
    real_check = services.completion_errors

    def check_before_the_other_commit(**kwargs):
        errors = real_check(**kwargs)
        if errors.get("completed_on") == services.DUPLICATE_MESSAGE:
            del errors["completed_on"]
        return errors

    monkeypatch.setattr(services, "completion_errors", check_before_the_other_commit)
    monkeypatch.setattr(forms, "completion_errors", check_before_the_other_commit)


def files_under(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def test_second_record_gets_the_duplicate_message_and_leaves_no_file(
    agent, module, competitor, evidence_root
):
    """The unique constraint stops the second record: a ValidationError with the message of the
    duplicate check, no second row, and its uploaded attestation deleted."""
    with pytest.raises(ValidationError) as caught:
        services.completion_record(
            actor=None,
            agent=agent,
            module=module,
            completed_on=DAY,
            provider="Institut",
            evidence_file=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
        )
    assert caught.value.message_dict == {"completed_on": [services.DUPLICATE_MESSAGE]}
    assert Completion.objects.count() == 1
    assert files_under(evidence_root) == []
    # Only the competing record is in the audit log.
    assert AuditLogEntry.objects.filter(action="training.completion_recorded").count() == 1


def test_form_answers_400_in_french_instead_of_500(
    client, tree, member, agent, module, competitor, evidence_root
):
    """Through the form: 400 with the French message, what was typed kept, no orphan file."""
    client.force_login(member(Role.ADMINISTRATOR, tree.gard))
    response = client.post(
        reverse("training:agent", kwargs={"pk": agent.pk}),
        {
            "action": "completion",
            "module": module.pk,
            "completed_on": DAY.isoformat(),
            "provider": "Institut régional",
            "evidence_file": SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Cette formation est déjà enregistrée pour cet agent à cette date." in body
    assert "Institut régional" in body
    assert Completion.objects.count() == 1
    assert files_under(evidence_root) == []


def test_import_reports_a_line_recorded_meanwhile_as_a_duplicate(tree, member, agent, module):
    """A completion recorded between the import's duplicate check and its write: that line is
    reported as a duplicate, the other lines are imported, the batch counts agree."""
    admin = member(Role.ADMINISTRATOR, tree.gard)
    content = "\n".join(
        [
            "e-mail;module;date;organisme",
            f"camille@exemple.test;accueil-test;{DAY:%d/%m/%Y};Institut",
            "camille@exemple.test;accueil-test;15/03/2025;Institut",
        ]
    ).encode()

    def progress(done, total):
        if done == total:  # every line checked, nothing written yet
            CompletionFactory(
                agent=agent, module=module, completed_on=DAY, evidence_reference="A-1"
            )

    report = import_completions(
        actor=admin, content=content, filename="export.csv", progress=progress
    )

    assert report.imported == 1
    assert [(error.line, error.messages) for error in report.errors] == [(2, [DUPLICATE])]
    batch = ImportBatch.objects.get()
    assert (batch.lines_read, batch.imported, batch.rejected) == (2, 1, 1)
    assert batch.errors == [{"line": 2, "messages": [DUPLICATE]}]
    assert list(batch.completions.values_list("completed_on", flat=True)) == [dt.date(2025, 3, 15)]
    entry = AuditLogEntry.objects.get(action="training.completions_imported")
    assert (entry.details["imported"], entry.details["rejected"]) == (1, 1)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers: the race needs two open transactions (PostgreSQL).",
)
@pytest.mark.django_db(transaction=True)
def test_real_race_on_postgresql_ends_in_the_duplicate_message(tree, monkeypatch, evidence_root):
    """Two transactions on their own connections: the first inserts and holds its commit; the
    second's duplicate check cannot see that row, its insert waits for the first's commit and
    then breaks the unique constraint. The second gets the French duplicate message, its
    attestation is deleted, one completion stays."""
    agent = AgentFactory(structure=tree.nimes)
    module = ModuleFactory()
    checked = threading.Event()
    real_check = services.completion_errors

    def check_and_tell(**kwargs):
        errors = real_check(**kwargs)
        checked.set()
        return errors

    def first():
        try:
            with transaction.atomic():
                CompletionFactory(
                    agent=agent, module=module, completed_on=DAY, evidence_reference="A-1"
                )
                monkeypatch.setattr(services, "completion_errors", check_and_tell)
                inserted.set()
                checked.wait(timeout=30)
                time.sleep(0.5)  # the second one is now waiting on the unique index
        finally:
            connection.close()

    outcome: dict[str, object] = {}

    def second():
        try:
            inserted.wait(timeout=30)
            services.completion_record(
                actor=None,
                agent=agent,
                module=module,
                completed_on=DAY,
                provider="Institut",
                evidence_file=SimpleUploadedFile("attestation.pdf", PDF, "application/pdf"),
            )
            outcome["result"] = "recorded"
        except Exception as error:  # examined by the main thread
            outcome["result"] = error
        finally:
            connection.close()

    inserted = threading.Event()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    error = outcome["result"]
    assert isinstance(error, ValidationError), error
    assert error.message_dict == {"completed_on": [services.DUPLICATE_MESSAGE]}
    assert Completion.objects.filter(agent=agent, module=module, completed_on=DAY).count() == 1
    assert files_under(evidence_root) == []
