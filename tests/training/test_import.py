"""CSV import of a provider's export: good lines in, bad lines reported one by one in French,
unreadable files refused whole; the command shows a progress bar on a terminal."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.training.importing import FileRefused, import_completions
from bonnefoi.training.models import Completion, ImportBatch
from tests.structures.factories import AgentFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, member):
    module = ModuleFactory(code="accueil-test")
    nimes = AgentFactory(structure=tree.nimes, email="camille@exemple.test")
    ales = AgentFactory(structure=tree.ales, email="lea@exemple.test")
    metz = AgentFactory(structure=tree.metz, email="mathieu@exemple.test")
    admin = member(Role.ADMINISTRATOR, tree.gard)
    return {"module": module, "nimes": nimes, "ales": ales, "metz": metz, "admin": admin}


def _csv(*lines: str, header="e-mail;module;date;organisme;référence") -> bytes:
    return "\n".join([header, *lines]).encode()


def test_partial_import_with_a_french_report_per_bad_line(world):
    """Good lines are imported; each bad line is reported with its number and every reason:
    unknown agent, unknown module, bad date, future date, duplicate in the file, duplicate of a
    stored completion, agent outside the importer's subtree."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    CompletionFactory(agent=world["ales"], module=world["module"], completed_on=dt.date(2025, 5, 2))
    content = _csv(
        "camille@exemple.test;accueil-test;14/03/2025;Institut;ATT-1",  # 2: ok
        "inconnu@exemple.test;accueil-test;14/03/2025;Institut;ATT-2",  # 3
        "camille@exemple.test;module-fantome;14/03/2025;Institut;ATT-3",  # 4
        "camille@exemple.test;accueil-test;31/02/2025;Institut;ATT-4",  # 5
        f"camille@exemple.test;accueil-test;{yesterday + dt.timedelta(days=2):%d/%m/%Y};I;A",  # 6
        "CAMILLE@exemple.test;ACCUEIL-TEST;2025-03-14;Institut;ATT-1",  # 7: duplicate of 2
        "lea@exemple.test;accueil-test;02/05/2025;Institut;ATT-5",  # 8: already stored
        "mathieu@exemple.test;accueil-test;14/03/2025;Institut;ATT-6",  # 9: outside subtree
        "lea@exemple.test;accueil-test;03/05/2025;Institut;ATT-7",  # 10: ok
        ";;;;",  # blank line: skipped
    )
    report = import_completions(actor=world["admin"], content=content, filename="export.csv")

    messages = {error.line: " ".join(error.messages) for error in report.errors}
    assert report.lines_read == 9
    assert report.imported == 2
    assert set(messages) == {3, 4, 5, 6, 7, 8, 9}
    assert "aucun agent de votre périmètre n'a l'adresse « inconnu@exemple.test »" in messages[3]
    assert "module « module-fantome » inconnu" in messages[4]
    assert "date « 31/02/2025 » invalide" in messages[5]
    assert "dans le futur" in messages[6]
    assert "doublon de la ligne 2" in messages[7]
    assert "déjà enregistrée" in messages[8]
    assert "mathieu@exemple.test" in messages[9]
    stored = Completion.objects.filter(import_batch=report.batch)
    assert {(c.agent, c.evidence_reference) for c in stored} == {
        (world["nimes"], "ATT-1"),
        (world["ales"], "ATT-7"),
    }
    batch = ImportBatch.objects.get()
    assert (batch.lines_read, batch.imported, batch.rejected) == (9, 2, 7)
    assert batch.errors[0] == {"line": 3, "messages": [messages[3]]}
    entry = AuditLogEntry.objects.get(action="training.completions_imported")
    assert entry.actor == world["admin"]
    assert entry.details["imported"] == 2


def test_reimporting_the_same_file_adds_nothing(world):
    """Once imported, every line of the same file comes back as a duplicate."""
    content = _csv("camille@exemple.test;accueil-test;14/03/2025;Institut;ATT-1")
    import_completions(actor=world["admin"], content=content, filename="a.csv")
    again = import_completions(actor=world["admin"], content=content, filename="a.csv")
    assert again.imported == 0
    assert "déjà enregistrée" in again.errors[0].messages[0]
    assert Completion.objects.count() == 1


def test_dry_run_writes_nothing(world):
    """A check-only run reports what would happen and writes neither completions nor a batch."""
    content = _csv("camille@exemple.test;accueil-test;14/03/2025;Institut;ATT-1")
    report = import_completions(
        actor=world["admin"], content=content, filename="a.csv", dry_run=True
    )
    assert report.imported == 1
    assert report.batch is None
    assert not Completion.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"nom,prenom\nDupont,Jean\n", "Colonnes introuvables : e-mail, module, date"),
        (b"\xff\xfe\x00\x00" * 10 + b"\x81\x8d\x8f\x90\x9d", "ni en UTF-8 ni en Windows-1252"),
        (b"x" * (2 * 1024 * 1024 + 1), "dépasse 2 Mo"),
    ],
)
def test_unreadable_files_are_refused_whole(world, content, message):
    """Encoding, missing columns, size: the whole file is refused with one French message."""
    with pytest.raises(FileRefused, match=message):
        import_completions(actor=world["admin"], content=content, filename="x.csv")
    assert not ImportBatch.objects.exists()


def test_comma_separated_windows_1252_export_with_provider_by_default(world):
    """Another provider's export: commas, Windows-1252 accents, other column names, no provider
    column (given once for the file), ISO dates."""
    content = (
        "Courriel,Code module,Date de formation,Numéro attestation\n"
        "camille@exemple.test,accueil-test,2025-06-30,N°42\n"
    ).encode("cp1252")
    report = import_completions(
        actor=world["admin"], content=content, filename="b.csv", default_provider="Organisme X"
    )
    assert report.errors == []
    completion = Completion.objects.get()
    assert completion.provider == "Organisme X"
    assert completion.evidence_reference == "N°42"
    assert completion.completed_on == dt.date(2025, 6, 30)


def test_missing_provider_is_a_line_error(world):
    """Without an organisme column nor a default, each line says the provider is missing."""
    content = b"email;module;date\ncamille@exemple.test;accueil-test;14/03/2025\n"
    report = import_completions(actor=world["admin"], content=content, filename="c.csv")
    assert report.errors[0].messages == ["organisme de formation manquant."]


def test_command_imports_and_prints_the_report(world, tmp_path):
    """The command prints each refused line and the totals; without --utilisateur it reaches
    every agent (operators' run)."""
    path = tmp_path / "export.csv"
    path.write_bytes(
        _csv(
            "mathieu@exemple.test;accueil-test;14/03/2025;Institut;ATT-1",
            "inconnu@exemple.test;accueil-test;14/03/2025;Institut;ATT-2",
        )
    )
    out = io.StringIO()
    call_command("import_training_completions", str(path), stdout=out)
    text = out.getvalue()
    assert "Ligne 3 : aucun agent de votre périmètre n'a l'adresse « inconnu@exemple.test »" in text
    assert "2 lignes lues, 1 importées, 1 refusées." in text
    assert Completion.objects.get().agent == world["metz"]


def test_command_scoped_to_a_user_and_simulation(world, tmp_path):
    """--utilisateur limits the agents to that user's subtree; --simulation writes nothing."""
    path = tmp_path / "export.csv"
    path.write_bytes(_csv("mathieu@exemple.test;accueil-test;14/03/2025;Institut;ATT-1"))
    out = io.StringIO()
    call_command(
        "import_training_completions",
        str(path),
        "--utilisateur",
        world["admin"].email,
        "--simulation",
        stdout=out,
    )
    assert "0 seraient importées, 1 refusées" in out.getvalue()
    assert "Simulation : rien n'a été enregistré." in out.getvalue()
    assert not Completion.objects.exists()


def test_command_refuses_an_unreadable_file(world, tmp_path):
    """A refused file stops the command with the reason and imports nothing."""
    path = tmp_path / "export.csv"
    path.write_bytes(b"nom;prenom\n")
    with pytest.raises(CommandError, match="Fichier refusé, rien n'est importé"):
        call_command("import_training_completions", str(path), stdout=io.StringIO())


def test_command_progress_bar_on_a_terminal(world, tmp_path, monkeypatch, capsys):
    """On a terminal the command draws a bar on stderr up to 100 %."""
    path = tmp_path / "export.csv"
    path.write_bytes(_csv("camille@exemple.test;accueil-test;14/03/2025;Institut;ATT-1"))
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    call_command("import_training_completions", str(path), stdout=io.StringIO())
    assert "] 100 % (1/1)" in capsys.readouterr().err
