"""Advice content as YAML files: import (create or update, publishing what changed) and export.

Layout of a content directory (see bonnefoi/advice/content/, the platform's own content):
owners.yaml, life-events-*.yaml, procedures-*.yaml, references-*.yaml, entries-*.yaml.
Legal references of the rules engine may be cited by id without being redefined.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction

from bonnefoi.advice.models import (
    Audience,
    ChangeKind,
    Entry,
    EntryStatus,
    LegalReference,
    LegalReferenceVersion,
    LifeEvent,
    Procedure,
)
from bonnefoi.advice.services import entry_content, entry_publish
from bonnefoi.core.personal_data import find_personal_data
from bonnefoi.rules.enums import Sector
from bonnefoi.structures.models import Structure

CONTENT_DIR = Path(__file__).parent / "content"
ENTRY_FIELDS = ("title", "consequence", "advice", "fix", "example")


class ContentError(ValueError):
    """The files are inconsistent; `problems` lists each one in French, with its file."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    unchanged: int = 0


def _read_all(directory: Path, pattern: str) -> list[tuple[str, dict]]:
    items = []
    for path in sorted(directory.glob(pattern)):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise ContentError([f"{path.name} : une liste d'éléments est attendue."])
        items.extend((path.name, item) for item in data)
    return items


def _owners(directory: Path, problems: list[str]) -> dict[str, Structure]:
    owners = {}
    for filename, item in _read_all(directory, "owners.yaml"):
        structure = Structure.objects.filter(sp_code=item["sp_code"]).first()
        if structure is None:
            problems.append(
                f"{filename} : aucune structure n'a le code {item['sp_code']!r} "
                f"(administration « {item['key']} »)."
            )
        else:
            owners[item["key"]] = structure
    return owners


def _engine_reference(key: str) -> LegalReference | None:
    from bonnefoi.rules import load_catalogue

    ref = load_catalogue().references.get(key)
    if ref is None:
        return None
    reference, _ = LegalReference.objects.update_or_create(
        key=key,
        defaults={
            "code": ref.code,
            "article": ref.article,
            "paragraph": ref.paragraph or "",
            "url": ref.url,
            "unverified": ref.unverified,
            "note": ref.note or "",
        },
    )
    if ref.version_date and not reference.versions.exists():
        LegalReferenceVersion.objects.create(reference=reference, version_date=ref.version_date)
    return reference


@transaction.atomic
def import_content(directory: Path = CONTENT_DIR, *, today: date | None = None) -> ImportReport:
    """Create or update everything in `directory`; an entry whose content changed is published
    as a new minor version noting the import. Raises ContentError listing every problem."""
    problems: list[str] = []
    report = ImportReport()
    owners = _owners(directory, problems)

    life_events = {}
    for position, (filename, item) in enumerate(_read_all(directory, "life-events-*.yaml")):
        if item.get("audience") not in Audience.values:
            problems.append(f"{filename} : public inconnu pour {item.get('slug')!r}.")
            continue
        event, created = LifeEvent.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "audience": item["audience"],
                "title": item["title"],
                "summary": item["summary"],
                "position": position,
            },
        )
        life_events[event.slug] = event
        if created:
            report.created.append(f"événement de vie « {event.title} »")

    owner_sectors = {
        item["key"]: item.get("engine_sector", "")
        for _filename, item in _read_all(directory, "owners.yaml")
    }
    procedures = {}
    for filename, item in _read_all(directory, "procedures-*.yaml"):
        # An explicit sector wins; else the first owner's (owners.yaml), else none.
        sector = item.get("engine_sector") or next(
            (owner_sectors[key] for key in item.get("owners", []) if owner_sectors.get(key)), ""
        )
        if sector and sector not in Sector.__members__.values():
            problems.append(f"{filename} : secteur du moteur inconnu {sector!r} ({item['slug']}).")
            sector = ""
        procedure, created = Procedure.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "online_service_url": item["online_service_url"],
                "engine_sector": sector,
            },
        )
        missing = [key for key in item.get("owners", []) if key not in owners]
        if missing:
            problems.append(f"{filename} : administration inconnue {missing} ({item['slug']}).")
        procedure.owners.set([owners[key] for key in item.get("owners", []) if key in owners])
        procedures[procedure.slug] = procedure
        if created:
            report.created.append(f"démarche « {procedure.title} »")

    references = {}
    for _filename, item in _read_all(directory, "references-*.yaml"):
        reference, _ = LegalReference.objects.update_or_create(
            key=item["id"],
            defaults={
                "code": item["code"],
                "article": str(item["article"]),
                "paragraph": item.get("paragraph") or "",
                "url": item["url"],
                "unverified": bool(item.get("unverified", False)),
                "note": item.get("note") or "",
            },
        )
        if item.get("version_date") and not reference.versions.exists():
            LegalReferenceVersion.objects.create(
                reference=reference, version_date=item["version_date"]
            )
        references[reference.key] = reference

    for filename, item in _read_all(directory, "entries-*.yaml"):
        entry_problems = _import_entry(
            filename, item, owners, life_events, procedures, references, report, today
        )
        problems.extend(entry_problems)
    if problems:
        raise ContentError(problems)
    return report


def _import_entry(filename, item, owners, life_events, procedures, references, report, today):
    slug = item.get("slug", "?")
    problems = []

    def resolve(keys, table, what, loader=None):
        found = []
        for key in keys or []:
            value = table.get(key) or (loader(key) if loader else None)
            if value is None:
                problems.append(f"{filename} : {what} inconnu(e) {key!r} (conseil {slug}).")
            else:
                found.append(value)
        return found

    entry_owners = resolve(item.get("owners"), owners, "administration")
    entry_events = resolve(item.get("life_events"), life_events, "événement de vie")
    entry_procedures = resolve(item.get("procedures"), procedures, "démarche")
    entry_references = resolve(
        item.get("legal_references"), references, "référence", loader=_engine_reference
    )
    for name in ("title", "consequence", "advice", "fix", "example"):
        found = find_personal_data(str(item.get(name) or ""))
        if found:
            problems.append(
                f"{filename} : {slug}, champ {name} : données personnelles ({', '.join(found)})."
            )
    if not entry_owners or not entry_events:
        problems.append(
            f"{filename} : {slug} doit avoir une administration et un événement de vie."
        )
    if problems:
        return problems
    entry, created = Entry.objects.update_or_create(
        slug=slug,
        defaults={
            "audience": item["audience"],
            **{name: (item.get(name) or "").strip() for name in ENTRY_FIELDS},
            "links": item.get("links") or [],
            "rule_ids": item.get("rule_ids") or [],
            "review_by": item.get("review_by"),
        },
    )
    entry.owners.set(entry_owners)
    entry.life_events.set(entry_events)
    entry.procedures.set(entry_procedures)
    entry.legal_references.set(entry_references)
    if created:
        report.created.append(f"conseil « {entry.title} »")
    current = entry.current_version
    if current is not None and current.content == entry_content(entry):
        report.unchanged += 1
        return []
    entry.status = EntryStatus.IN_REVIEW
    entry.save(update_fields=["status"])
    entry_publish(
        entry=entry,
        user=None,
        change_kind=ChangeKind.MINOR if current else ChangeKind.MAJOR,
        change_note=(
            f"Mise à jour depuis le fichier {filename}." if current else "Première publication."
        ),
        today=item.get("verified_on") or today,
    )
    report.published.append(entry.slug)
    return []


def export_content(directory: Path) -> dict[str, int]:
    """Write the catalogue as YAML files that import_content reads back (one per audience)."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for audience in Audience.values:
        events = [
            {"slug": e.slug, "audience": e.audience, "title": e.title, "summary": e.summary}
            for e in LifeEvent.objects.filter(audience=audience)
        ]
        entries = [
            _entry_as_yaml(entry)
            for entry in Entry.objects.filter(audience=audience)
            .prefetch_related("owners", "life_events", "procedures", "legal_references")
            .order_by("slug")
        ]
        _dump(directory / f"life-events-{audience}.yaml", events)
        _dump(directory / f"entries-{audience}.yaml", entries)
        counts[audience] = len(entries)
    _dump(
        directory / "procedures-all.yaml",
        [
            {
                "slug": p.slug,
                "title": p.title,
                "owners": sorted(_owner_keys(p.owners.all())),
                "online_service_url": p.online_service_url,
                "engine_sector": p.engine_sector or None,
            }
            for p in Procedure.objects.prefetch_related("owners").order_by("slug")
        ],
    )
    _dump(
        directory / "references-all.yaml",
        [
            {
                "id": r.key,
                "code": r.code,
                "article": r.article,
                "paragraph": r.paragraph or None,
                "version_date": r.current_version.version_date if r.current_version else None,
                "url": r.url,
                "unverified": r.unverified,
                "note": r.note or None,
            }
            for r in LegalReference.objects.order_by("key")
        ],
    )
    owners = Structure.objects.filter(advice_entries__isnull=False).distinct().order_by("path")
    _dump(
        directory / "owners.yaml",
        [{"key": o.sp_code.lower(), "name": o.name, "sp_code": o.sp_code} for o in owners],
    )
    return counts


def _owner_keys(structures) -> list[str]:
    return [s.sp_code.lower() for s in structures if s.sp_code]


def _entry_as_yaml(entry: Entry) -> dict:
    return {
        "slug": entry.slug,
        "audience": entry.audience,
        "life_events": sorted(e.slug for e in entry.life_events.all()),
        "procedures": sorted(p.slug for p in entry.procedures.all()),
        "owners": sorted(_owner_keys(entry.owners.all())),
        **{name: getattr(entry, name) for name in ENTRY_FIELDS if getattr(entry, name)},
        "links": entry.links,
        "legal_references": sorted(r.key for r in entry.legal_references.all()),
        "rule_ids": list(entry.rule_ids),
        "verified_on": entry.verified_on,
        "review_by": entry.review_by,
    }


def _dump(path: Path, data: list) -> None:
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
