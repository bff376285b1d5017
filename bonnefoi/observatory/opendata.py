"""Open data of the observatory, under Licence Ouverte 2.0 (etalab-2.0): the published
right-to-error indicators and most frequent errors, as CSV and JSON with their Frictionless
TableSchema and a datapackage.json.

Only the published snapshot (`PublishedFigure`, already under the statistical secret) is
written, never the aggregates: a hidden value is an empty CSV cell and a JSON null. No personal
data: scopes are structures, errors are catalogue entries.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bonnefoi.advice.models import Entry
from bonnefoi.advice.opendata import LICENSE, _json_bytes, write_files
from bonnefoi.observatory.models import Measure, PublishedFigure
from bonnefoi.structures.models import Structure

PACKAGE_NAME = "bonnefoi-droit-a-l-erreur-indicateurs"
PACKAGE_TITLE = "Le droit à l'erreur en chiffres : indicateurs et erreurs les plus fréquentes"
PACKAGE_DESCRIPTION = (
    "Déclarations d'erreur reçues par les administrations, décisions rendues, part du droit à "
    "l'erreur accordé, délai médian de décision, sanctions écartées et erreurs les plus "
    "fréquentes, sur les douze derniers mois complets, pour tout le pays et pour chaque "
    "structure. Secret statistique : aucun nombre de 1 à {k} n'est publié, et certains nombres "
    "sont masqués (cellule vide) pour qu'on ne puisse pas les retrouver par soustraction."
)
INDICATORS_CSV = "indicators.csv"
INDICATORS_JSON = "indicators.json"
INDICATORS_SCHEMA = "indicators.schema.json"
ERRORS_CSV = "frequent-errors.csv"
ERRORS_JSON = "frequent-errors.json"
ERRORS_SCHEMA = "frequent-errors.schema.json"
PACKAGE_FILE = "datapackage.json"
FILES = (
    INDICATORS_CSV,
    INDICATORS_JSON,
    INDICATORS_SCHEMA,
    ERRORS_CSV,
    ERRORS_JSON,
    ERRORS_SCHEMA,
    PACKAGE_FILE,
)
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}

_HIDDEN_NOTE = " Vide : secret statistique."
_COUNT = {"type": "integer", "constraints": {"minimum": 0}}
_SCOPE_FIELDS = [
    {
        "name": "structure_id",
        "title": "Identifiant de la structure",
        "type": "integer",
        "description": "Identifiant de la structure sur la plateforme ; vide pour tout le pays.",
    },
    {
        "name": "sp_code",
        "title": "Code Services Publics+",
        "type": "string",
        "description": "Code de la structure dans le référentiel Services Publics+, vide s'il "
        "n'est pas connu ou pour tout le pays.",
    },
    {
        "name": "name",
        "title": "Structure",
        "type": "string",
        "description": "Nom de la structure (« France entière » pour tout le pays). Ses "
        "chiffres comptent aussi les structures qui en dépendent.",
        "constraints": {"required": True},
    },
]


def _count(name: str, title: str, description: str) -> dict:
    return {"name": name, "title": title, **_COUNT, "description": description + _HIDDEN_NOTE}


INDICATORS_TABLE_SCHEMA = {
    "fields": [
        *_SCOPE_FIELDS,
        {
            "name": "kind",
            "title": "Type",
            "type": "string",
            "description": "Type de structure : network (réseau), administration, service, site "
            "(site d'accueil) ; national pour tout le pays.",
            "constraints": {
                "required": True,
                "enum": ["national", "network", "administration", "service", "site"],
            },
        },
        {
            "name": "parent_id",
            "title": "Structure parente",
            "type": "integer",
            "description": "Identifiant de la structure parente ; vide pour un réseau et pour "
            "tout le pays.",
        },
        {
            "name": "window_start",
            "title": "Du",
            "type": "date",
            "description": "Premier jour de la période couverte (AAAA-MM-JJ).",
            "constraints": {"required": True},
        },
        {
            "name": "window_end",
            "title": "Au",
            "type": "date",
            "description": "Dernier jour de la période couverte, inclus (AAAA-MM-JJ).",
            "constraints": {"required": True},
        },
        _count("received", "Déclarations reçues", "Déclarations d'erreur déposées sur la période."),
        _count("decided", "Décisions rendues", "Décisions rendues sur la période."),
        _count("granted", "Droit à l'erreur accordé", "Décisions accordant le droit à l'erreur."),
        _count(
            "not_granted",
            "Droit à l'erreur non accordé",
            "Décisions n'accordant pas le droit à l'erreur (décisions moins accordées).",
        ),
        {
            "name": "granted_share",
            "title": "Part du droit à l'erreur accordé (%)",
            "type": "number",
            "description": "Décisions accordant le droit à l'erreur pour 100 décisions, à une "
            "décimale ; vide quand l'un des deux nombres est couvert par le secret statistique "
            "ou qu'il n'y a aucune décision.",
            "constraints": {"minimum": 0, "maximum": 100},
        },
        _count(
            "waived",
            "Sanctions écartées",
            "Décisions accordant le droit à l'erreur pour lesquelles une sanction était en jeu "
            "et a été écartée.",
        ),
        {
            "name": "median_days",
            "title": "Délai médian de décision (jours)",
            "type": "integer",
            "description": "Délai médian entre le dépôt et la décision, en jours calendaires ; "
            "vide quand le nombre de décisions n'est pas publié ou qu'il n'y en a aucune.",
            "constraints": {"minimum": 0},
        },
    ],
    "missingValues": [""],
}
ERRORS_TABLE_SCHEMA = {
    "fields": [
        *_SCOPE_FIELDS,
        {
            "name": "entry",
            "title": "Identifiant du conseil",
            "type": "string",
            "description": "Identifiant stable de l'erreur fréquente dans le catalogue des "
            "conseils (voir le jeu de données des conseils).",
            "constraints": {"required": True},
        },
        {
            "name": "title",
            "title": "Erreur",
            "type": "string",
            "description": "L'erreur, telle qu'on la commet.",
            "constraints": {"required": True},
        },
        {
            "name": "rank",
            "title": "Rang",
            "type": "integer",
            "description": "Rang parmi les erreurs publiées de la structure (1 : la plus "
            "fréquente) ; vide quand le nombre est couvert par le secret statistique.",
            "constraints": {"minimum": 1, "maximum": 10},
        },
        _count(
            "count",
            "Déclarations",
            "Déclarations d'erreur reçues sur la période pour cette erreur (parmi les dix plus "
            "fréquentes de la structure qui en comptent au moins le seuil).",
        ),
    ],
    "missingValues": [""],
}
INDICATOR_FIELDS = [field["name"] for field in INDICATORS_TABLE_SCHEMA["fields"]]
ERROR_FIELDS = [field["name"] for field in ERRORS_TABLE_SCHEMA["fields"]]
NATIONAL_NAME = "France entière"


@dataclass(frozen=True)
class Dump:
    scopes: int
    files: dict[str, bytes]


def granted_share(granted: int | None, decided: int | None) -> Decimal | None:
    """Share granted in percent (one decimal), from published numbers only."""
    if granted is None or not decided:
        return None
    return (Decimal(100) * granted / decided).quantize(Decimal("0.1"))


def entry_title(entry: Entry) -> str:
    """The published title when there is one (what readers see), else the working title."""
    version = entry.current_version
    if version is not None and isinstance(version.content, dict):
        return version.content.get("title") or entry.title
    return entry.title


def tables() -> tuple[list[dict], list[dict]]:
    """(one indicator row per scope, one row per published frequent error), national first,
    then structures in tree order."""
    figures = list(PublishedFigure.objects.order_by("structure_id", "rank", "entry_id", "pk"))
    if not figures:
        return [], []
    structures = Structure.objects.in_bulk({f.structure_id for f in figures} - {None})
    entries = Entry.objects.select_related("current_version").in_bulk(
        {f.entry_id for f in figures} - {None}
    )
    rows: dict = {}
    errors = []

    def scope(pk):
        if pk is None:
            return {"structure_id": None, "sp_code": "", "name": NATIONAL_NAME}
        structure = structures[pk]
        return {"structure_id": pk, "sp_code": structure.sp_code or "", "name": structure.name}

    for figure in figures:
        if figure.structure_id is not None and figure.structure_id not in structures:
            continue
        if figure.measure == Measure.ERRORS:
            entry = entries.get(figure.entry_id)
            if entry is not None:
                errors.append(
                    {
                        **scope(figure.structure_id),
                        "entry": entry.slug,
                        "title": entry_title(entry),
                        "rank": figure.rank,
                        "count": figure.value,
                    }
                )
            continue
        row = rows.get(figure.structure_id)
        if row is None:
            structure = structures.get(figure.structure_id)
            row = rows[figure.structure_id] = {
                **scope(figure.structure_id),
                "kind": structure.kind if structure else "national",
                "parent_id": structure.parent_id if structure else None,
                "window_start": figure.window_start.isoformat(),
                "window_end": figure.window_end.isoformat(),
            }
        row[figure.measure] = figure.value
    for row in rows.values():
        share = granted_share(row.get("granted"), row.get("decided"))
        row["granted_share"] = None if share is None else float(share)
        for name in INDICATOR_FIELDS:
            row.setdefault(name, None)
    order = {pk: structure.path for pk, structure in structures.items()}

    def key(row):
        return order.get(row["structure_id"], "")

    errors.sort(key=lambda row: (key(row), row["rank"] is None, row["rank"] or 0, row["title"]))
    return sorted(rows.values(), key=key), errors


def _csv(rows: list[dict], fields: list[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row[name] is None else row[name] for name in fields})
    return out.getvalue().encode()


def build_dump(base_url: str, now=None) -> Dump:
    """Every file of the open data, in memory (nothing is written here)."""
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    indicators, errors = tables()
    generated_at = now.isoformat(timespec="seconds")
    threshold = settings.OBSERVATORY_MIN_CELL_SIZE
    computed = PublishedFigure.objects.values_list("computed_at", flat=True).first()
    common = {
        "license": LICENSE,
        "generated_at": generated_at,
        "published_at": computed.isoformat(timespec="seconds") if computed else None,
        "minimum_cell_size": threshold,
    }

    def resource(name, path, title, description, schema=None):
        item = {
            "name": name,
            "path": path,
            "title": title,
            "description": description,
            "format": path.rsplit(".", 1)[1],
            "mediatype": "text/csv" if path.endswith(".csv") else "application/json",
            "encoding": "utf-8",
        }
        if schema:
            item["schema"] = schema
        else:
            item["type"] = "json"
        return item

    package = {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": PACKAGE_DESCRIPTION.format(k=threshold - 1),
        "homepage": base_url + "/transparence/",
        "created": generated_at,
        "licenses": [LICENSE],
        "resources": [
            resource(
                "indicators",
                INDICATORS_CSV,
                "Indicateurs du droit à l'erreur (CSV)",
                "Une ligne par structure et une pour tout le pays.",
                INDICATORS_SCHEMA,
            ),
            resource(
                "indicators-json",
                INDICATORS_JSON,
                "Indicateurs du droit à l'erreur (JSON)",
                "Les mêmes lignes dans la clé « indicators » (null : secret statistique).",
            ),
            resource(
                "frequent-errors",
                ERRORS_CSV,
                "Erreurs les plus fréquentes (CSV)",
                "Jusqu'à dix erreurs par structure et pour tout le pays.",
                ERRORS_SCHEMA,
            ),
            resource(
                "frequent-errors-json",
                ERRORS_JSON,
                "Erreurs les plus fréquentes (JSON)",
                "Les mêmes lignes dans la clé « frequent_errors » (null : secret statistique).",
            ),
        ],
    }
    return Dump(
        scopes=len(indicators),
        files={
            INDICATORS_CSV: _csv(indicators, INDICATOR_FIELDS),
            INDICATORS_JSON: _json_bytes({**common, "indicators": indicators}),
            INDICATORS_SCHEMA: _json_bytes(INDICATORS_TABLE_SCHEMA),
            ERRORS_CSV: _csv(errors, ERROR_FIELDS),
            ERRORS_JSON: _json_bytes({**common, "frequent_errors": errors}),
            ERRORS_SCHEMA: _json_bytes(ERRORS_TABLE_SCHEMA),
            PACKAGE_FILE: _json_bytes(package),
        },
    )


def write_dump(dump: Dump, directory: Path) -> None:
    """Atomic writes as for the advice open data; datapackage.json, which lists the others,
    goes last (FILES order)."""
    write_files({name: dump.files[name] for name in FILES}, directory)


def default_output() -> Path:
    return Path(settings.VAR_DIR) / "opendata" / "observatory"
