"""Checklist versions as data: read ``data/checklist-v*.toml``, check them, sync them into the DB.

``sync_checklists`` only uses plain ORM calls on the models it is given, so the same function runs
from the data migration (historical models from ``apps.get_model``) and from
``manage.py reception_checklists sync`` (at each deployment). A version already used by an audit is
frozen: any change to its content is refused, so an old audit always shows the checklist it was
made with. A new wording of the commitment is a new file with the next number.
"""

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
FILE_RE = re.compile(r"^checklist-v(\d+)\.toml$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
REFERENCE_FIELDS = {"code", "article", "version_date", "url", "unverified", "note"}


class ChecklistDataError(ValueError):
    """A checklist file is malformed; the message (French) names the file and the problem."""


class ChecklistFrozenError(ChecklistDataError):
    """A version already used by audits was changed in its file."""


@dataclass(frozen=True)
class CriterionData:
    key: str
    position: int
    theme: str
    label: str
    help_text: str
    references: list[dict]


@dataclass(frozen=True)
class ChecklistData:
    number: int
    title: str
    commitment: str
    valid_from: dt.date
    audit_period_months: int | None
    source_url: str
    unverified: bool
    note: str
    criteria: list[CriterionData] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """Fingerprint of everything synced (comments and layout of the file do not count)."""
        payload = {
            "frozen": self.frozen_fingerprint,
            "source_url": self.source_url,
            "unverified": self.unverified,
            "note": self.note,
            "references": [c.references for c in self.criteria],
        }
        return _digest(payload)

    @property
    def frozen_fingerprint(self) -> str:
        """What may not change once audits used the version: the wording of the checklist. The
        verification status of a reference (``unverified``, ``note``) may still be updated."""
        return frozen_fingerprint(
            title=self.title,
            commitment=self.commitment,
            valid_from=self.valid_from,
            audit_period_months=self.audit_period_months,
            criteria=[(c.key, c.theme, c.label, c.help_text, c.references) for c in self.criteria],
        )


def _digest(payload) -> str:
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def frozen_fingerprint(*, title, commitment, valid_from, audit_period_months, criteria) -> str:
    """criteria: (key, theme, label, help_text, references) in checklist order."""
    return _digest(
        {
            "title": title,
            "commitment": commitment,
            "valid_from": valid_from.isoformat(),
            "audit_period_months": audit_period_months,
            "criteria": [
                [key, theme, label, help_text, [_citation(r) for r in references]]
                for key, theme, label, help_text, references in criteria
            ],
        }
    )


def _citation(reference: dict) -> list:
    return [reference["code"], reference["article"], reference["version_date"], reference["url"]]


def _text(table: dict, name: str, where: str, *, required: bool = True) -> str:
    value = table.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ChecklistDataError(f"{where} : le champ « {name} » doit être un texte non vide.")
    return value.strip()


def _reference(raw: dict, where: str) -> dict:
    unknown = set(raw) - REFERENCE_FIELDS
    if unknown:
        raise ChecklistDataError(f"{where} : champs inconnus {sorted(unknown)}.")
    version_date = raw.get("version_date")
    if version_date is not None and not isinstance(version_date, dt.date):
        raise ChecklistDataError(f"{where} : « version_date » doit être une date (AAAA-MM-JJ).")
    url = _text(raw, "url", where)
    if not url.startswith("https://"):
        raise ChecklistDataError(f"{where} : l'adresse doit commencer par https://.")
    unverified = raw.get("unverified", False)
    note = _text(raw, "note", where, required=False)
    if unverified and not note:
        raise ChecklistDataError(f"{where} : une référence à vérifier dit ce qui l'est (« note »).")
    return {
        "code": _text(raw, "code", where),
        "article": _text(raw, "article", where, required=False),
        "version_date": version_date.isoformat() if version_date else None,
        "url": url,
        "unverified": bool(unverified),
        "note": note,
    }


def parse_checklist(path: Path) -> ChecklistData:
    match = FILE_RE.match(path.name)
    if not match:
        raise ChecklistDataError(f"{path.name} : le nom doit être checklist-vN.toml.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistDataError(f"{path.name} : TOML invalide ({exc}).") from exc
    head = raw.get("checklist")
    if not isinstance(head, dict):
        raise ChecklistDataError(f"{path.name} : la table [checklist] manque.")
    number = head.get("number")
    if number != int(match.group(1)):
        raise ChecklistDataError(f"{path.name} : « number » doit valoir {match.group(1)}.")
    valid_from = head.get("valid_from")
    if not isinstance(valid_from, dt.date):
        raise ChecklistDataError(f"{path.name} : « valid_from » doit être une date.")
    period = head.get("audit_period_months")
    if period is not None and (not isinstance(period, int) or not 1 <= period <= 60):
        raise ChecklistDataError(f"{path.name} : « audit_period_months » va de 1 à 60.")
    unverified = bool(head.get("unverified", False))
    note = _text(head, "note", path.name, required=False)
    if unverified and not note:
        raise ChecklistDataError(
            f"{path.name} : une version à vérifier dit ce qui l'est (« note »)."
        )
    source_url = _text(head, "source_url", path.name)
    if not source_url.startswith("https://"):
        raise ChecklistDataError(
            f"{path.name} : l'adresse de la source doit commencer par https://."
        )
    criteria: list[CriterionData] = []
    seen: set[str] = set()
    for position, item in enumerate(raw.get("criteria", []), start=1):
        where = f"{path.name}, critère n° {position}"
        key = item.get("key", "")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ChecklistDataError(f"{where} : identifiant « {key} » invalide (a-z, 0-9, _).")
        if key in seen:
            raise ChecklistDataError(f"{where} : identifiant « {key} » en double.")
        seen.add(key)
        references = [_reference(r, f"{where}, référence") for r in item.get("references", [])]
        if not references:
            raise ChecklistDataError(f"{where} : chaque critère cite au moins sa source.")
        criteria.append(
            CriterionData(
                key=key,
                position=position,
                theme=_text(item, "theme", where),
                label=_text(item, "label", where),
                help_text=_text(item, "help", where, required=False),
                references=references,
            )
        )
    if not criteria:
        raise ChecklistDataError(f"{path.name} : aucun critère.")
    return ChecklistData(
        number=number,
        title=_text(head, "title", path.name),
        commitment=_text(head, "commitment", path.name),
        valid_from=valid_from,
        audit_period_months=period,
        source_url=source_url,
        unverified=unverified,
        note=note,
        criteria=criteria,
    )


def load_checklist_files(data_dir: Path = DATA_DIR) -> list[ChecklistData]:
    """Every checklist file of the folder, checked, by number."""
    versions = [parse_checklist(path) for path in sorted(data_dir.glob("checklist-v*.toml"))]
    versions.sort(key=lambda v: v.number)
    dates = [v.valid_from for v in versions]
    if dates != sorted(dates):
        raise ChecklistDataError(
            "Les versions doivent entrer en vigueur dans l'ordre de leurs numéros."
        )
    return versions


@dataclass
class SyncReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"grille des locaux n° {n} créée" for n in self.created),
            *(f"grille des locaux n° {n} mise à jour" for n in self.updated),
        ]


def sync_checklists(
    *, version_model, criterion_model, result_model, versions: list[ChecklistData] | None = None
) -> SyncReport:
    """Create or update the checklist versions from their files (idempotent).

    A version with recorded results is frozen: ChecklistFrozenError if its content changed.
    """
    versions = load_checklist_files() if versions is None else versions
    report = SyncReport()
    for data in versions:
        fields = {
            "title": data.title,
            "commitment": data.commitment,
            "valid_from": data.valid_from,
            "audit_period_months": data.audit_period_months,
            "source_url": data.source_url,
            "unverified": data.unverified,
            "note": data.note,
            "content_hash": data.content_hash,
        }
        existing = version_model.objects.filter(number=data.number).first()
        if existing is None:
            version = version_model.objects.create(number=data.number, **fields)
            report.created.append(data.number)
        elif existing.content_hash == data.content_hash:
            report.unchanged.append(data.number)
            continue
        else:
            used = result_model.objects.filter(criterion__checklist=existing).exists()
            if used and _stored_fingerprint(existing, criterion_model) != data.frozen_fingerprint:
                raise ChecklistFrozenError(
                    f"La grille n° {data.number} a déjà servi à des audits : son contenu ne peut "
                    f"plus changer. Créez checklist-v{data.number + 1}.toml pour la nouvelle "
                    "rédaction de l'engagement."
                )
            version_model.objects.filter(pk=existing.pk).update(**fields)
            version = existing
            report.updated.append(data.number)
        keep = []
        for criterion in data.criteria:
            row, _created = criterion_model.objects.update_or_create(
                checklist=version,
                key=criterion.key,
                defaults={
                    "position": criterion.position,
                    "theme": criterion.theme,
                    "label": criterion.label,
                    "help_text": criterion.help_text,
                    "references": criterion.references,
                },
            )
            keep.append(row.pk)
        criterion_model.objects.filter(checklist=version).exclude(pk__in=keep).delete()
    return report


def _stored_fingerprint(version, criterion_model) -> str:
    rows = criterion_model.objects.filter(checklist=version).order_by("position")
    return frozen_fingerprint(
        title=version.title,
        commitment=version.commitment,
        valid_from=version.valid_from,
        audit_period_months=version.audit_period_months,
        criteria=[(r.key, r.theme, r.label, r.help_text, r.references) for r in rows],
    )
