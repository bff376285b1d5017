"""CSV import of completions from a training provider's export.

Policy (docs/adr/0009-kit-d-identification-et-formation.md): a file that cannot be read as a
whole (encoding, missing columns, too large) is refused with one message; otherwise every good line
is imported and every bad line is reported with its number and the reason, in French. Good lines
go in together (one transaction): a failure while writing leaves nothing half-imported. Duplicates
are reported and skipped, so a corrected file can be imported again safely.
"""

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from bonnefoi.accounts.models import User
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.models import Agent
from bonnefoi.training.abilities import agents_with
from bonnefoi.training.models import Completion, ImportBatch, TrainingModule
from bonnefoi.training.services import EARLIEST_COMPLETION

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 20_000
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")

COLUMNS = {
    "email": {"email", "e_mail", "courriel", "adresse_e_mail", "adresse_electronique", "mail"},
    "module": {"module", "code_module", "code_du_module"},
    "date": {"date", "date_formation", "date_de_formation", "date_de_fin", "date_session"},
    "provider": {"organisme", "organisme_de_formation", "prestataire", "formateur"},
    "reference": {"reference", "attestation", "numero_attestation", "reference_attestation"},
}
REQUIRED = ("email", "module", "date")
DUPLICATE = "doublon : formation déjà enregistrée (même agent, module, date)."
COLUMN_LABELS = {"email": "e-mail", "module": "module", "date": "date"}


class FileRefused(Exception):
    """The whole file is unreadable; nothing is imported."""


@dataclass
class LineError:
    line: int
    messages: list[str]

    def as_dict(self) -> dict:
        return {"line": self.line, "messages": self.messages}


@dataclass
class ImportReport:
    filename: str
    dry_run: bool
    lines_read: int = 0
    imported: int = 0
    errors: list[LineError] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def rejected(self) -> int:
        return len(self.errors)


def _normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "_".join(part for part in "".join(c if c.isalnum() else " " for c in text).split())


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet exports on Windows are often in Windows-1252.
        return content.decode("cp1252", errors="strict")


def _parse_date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def read_rows(content: bytes) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """Column positions and the data rows with their line number in the file (header = 1)."""
    if len(content) > MAX_BYTES:
        raise FileRefused("Le fichier dépasse 2 Mo : découpez l'export en plusieurs fichiers.")
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise FileRefused(
            "Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le au format CSV UTF-8."
        ) from None
    if not text.strip():
        raise FileRefused("Le fichier est vide.")
    first_line = text.splitlines()[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _normalise(name)
        for column, aliases in COLUMNS.items():
            if key in aliases and column not in positions:
                positions[column] = index
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in positions]
    if missing:
        raise FileRefused(
            "Colonnes introuvables : "
            + ", ".join(missing)
            + ". La première ligne doit nommer les colonnes e-mail, module, date "
            "(et, si possible, organisme et référence)."
        )
    rows = []
    for row in reader:
        if reader.line_num - 1 > MAX_LINES:
            raise FileRefused(f"Le fichier dépasse {MAX_LINES} lignes : découpez l'export.")
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, row))
    return positions, rows


def _cell(row: list[str], positions: dict[str, int], column: str) -> str:
    index = positions.get(column)
    return row[index].strip() if index is not None and index < len(row) else ""


def import_completions(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    source: str = "backoffice",
    default_provider: str = "",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every line, import the good ones (unless ``dry_run``), report the others.

    ``actor`` limits the agents to the subtrees where they hold ``training.record``; ``None``
    (a command run by the operators) reaches every agent. Raises ``FileRefused``.
    """
    positions, rows = read_rows(content)
    report = ImportReport(filename=filename, dry_run=dry_run, lines_read=len(rows))
    agents_scope = Agent.objects.all() if actor is None else agents_with(actor, "training.record")
    emails = {_cell(row, positions, "email").lower() for _line, row in rows}
    agents = {
        agent.user.email: agent
        for agent in agents_scope.filter(user__email__in=emails).select_related("user", "structure")
    }
    modules = {m.code: m for m in TrainingModule.objects.filter(is_active=True)}
    existing = set(
        Completion.objects.filter(agent__in=agents.values()).values_list(
            "agent_id", "module_id", "completed_on"
        )
    )
    available: dict[int, set[int]] = {}
    seen: dict[tuple[int, int, dt.date], int] = {}
    today = timezone.localdate()
    to_create: list[tuple[int, Completion]] = []
    for done, (line, row) in enumerate(rows, start=1):
        messages: list[str] = []
        email = _cell(row, positions, "email").lower()
        code = _cell(row, positions, "module")
        raw_date = _cell(row, positions, "date")
        provider = _cell(row, positions, "provider") or default_provider.strip()
        agent = agents.get(email)
        module = modules.get(code.lower())
        completed_on = _parse_date(raw_date)
        if not email:
            messages.append("adresse e-mail de l'agent manquante.")
        elif agent is None:
            messages.append(f"aucun agent de votre périmètre n'a l'adresse « {email} ».")
        if not code:
            messages.append("code du module manquant.")
        elif module is None:
            messages.append(f"module « {code} » inconnu : utilisez le code affiché au catalogue.")
        elif agent is not None:
            if agent.structure_id not in available:
                available[agent.structure_id] = set(
                    TrainingModule.objects.available_to(agent.structure).values_list(
                        "pk", flat=True
                    )
                )
            if module.pk not in available[agent.structure_id]:
                messages.append(
                    f"le module « {code} » n'est pas proposé à la structure de l'agent."
                )
        if completed_on is None:
            messages.append(
                f"date « {raw_date} » invalide : attendu JJ/MM/AAAA ou AAAA-MM-JJ."
                if raw_date
                else "date de la formation manquante."
            )
        elif completed_on > today:
            messages.append(f"date « {raw_date} » dans le futur.")
        elif completed_on < EARLIEST_COMPLETION:
            messages.append(f"date « {raw_date} » antérieure à 2000 : vérifiez-la.")
        if not provider:
            messages.append("organisme de formation manquant.")
        if not messages and agent is not None and module is not None and completed_on:
            key = (agent.pk, module.pk, completed_on)
            if key in existing:
                messages.append(DUPLICATE)
            elif key in seen:
                messages.append(f"doublon de la ligne {seen[key]} (même agent, module, date).")
            else:
                seen[key] = line
        if messages:
            report.errors.append(LineError(line=line, messages=messages))
        else:
            to_create.append(
                (
                    line,
                    Completion(
                        agent=agent,
                        module=module,
                        completed_on=completed_on,
                        provider=provider[:200],
                        evidence_reference=_cell(row, positions, "reference")[:200],
                        recorded_by=actor,
                    ),
                )
            )
        if progress is not None:
            progress(done, len(rows))
    report.imported = len(to_create)
    if not dry_run:
        _write(report, actor=actor, source=source, completions=to_create)
    return report


def _key(completion: Completion) -> tuple[int, int, dt.date]:
    return (completion.agent_id, completion.module_id, completion.completed_on)


@transaction.atomic
def _write(
    report: ImportReport, *, actor, source: str, completions: list[tuple[int, Completion]]
) -> None:
    batch = ImportBatch.objects.create(
        imported_by=actor, filename=report.filename[:255], source=source
    )
    for _line, completion in completions:
        completion.import_batch = batch
    # A completion recorded since the duplicate check (a concurrent import, the form) would
    # break the unique constraint: the database skips such lines (ON CONFLICT DO NOTHING), and
    # they are reported like any other duplicate instead of failing the whole file.
    Completion.objects.bulk_create(
        [completion for _line, completion in completions], batch_size=500, ignore_conflicts=True
    )
    created = set(
        Completion.objects.filter(import_batch=batch).values_list(
            "agent_id", "module_id", "completed_on"
        )
    )
    skipped = [(line, c) for line, c in completions if _key(c) not in created]
    if skipped:
        taken = set(
            Completion.objects.filter(agent_id__in={c.agent_id for _line, c in skipped})
            .exclude(import_batch=batch)
            .values_list("agent_id", "module_id", "completed_on")
        )
        if any(_key(c) not in taken for _line, c in skipped):
            # SQLite's INSERT OR IGNORE also skips rows that break other constraints.
            raise IntegrityError("Des formations n'ont pas pu être enregistrées.")
        report.errors.extend(LineError(line=line, messages=[DUPLICATE]) for line, _c in skipped)
        report.errors.sort(key=lambda error: error.line)
    report.imported = len(created)
    batch.lines_read = report.lines_read
    batch.imported = report.imported
    batch.rejected = report.rejected
    batch.errors = [error.as_dict() for error in report.errors]
    batch.save(update_fields=["lines_read", "imported", "rejected", "errors", "updated_at"])
    audit_log(
        actor=actor,
        action="training.completions_imported",
        obj=batch,
        details={
            "source": source,
            "lines": report.lines_read,
            "imported": report.imported,
            "rejected": report.rejected,
        },
    )
    report.batch = batch
