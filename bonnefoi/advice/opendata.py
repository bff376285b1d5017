"""Open-data dump of the published advice catalogue, under Licence Ouverte 2.0 (etalab-2.0).

Four files: entries.json (the same shape as the read API), entries.csv (one row per entry;
list values are JSON arrays), entries.schema.json (its Frictionless TableSchema) and
datapackage.json. Published entries only, and no personal data: owners and verifiers are
administrations; who published a version is never written.
"""

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bonnefoi.advice.models import Audience
from bonnefoi.advice.serializers import entries_for_output, entry_page_path, serialize_entries

LICENSE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
PACKAGE_NAME = "bonnefoi-conseils-erreurs-frequentes"
PACKAGE_TITLE = "Conseils contre les erreurs fréquentes dans les démarches administratives"
PACKAGE_DESCRIPTION = (
    "Les erreurs que l'on commet souvent dans ses démarches (impôts, prestations sociales, "
    "cotisations, emploi, santé, douane), ce qu'elles entraînent, comment les éviter et comment "
    "les corriger, rédigées et vérifiées par les administrations responsables. Conseils publiés "
    "seulement, dans leur dernière version."
)
JSON_FILE = "entries.json"
CSV_FILE = "entries.csv"
SCHEMA_FILE = "entries.schema.json"
PACKAGE_FILE = "datapackage.json"
FILES = (JSON_FILE, CSV_FILE, SCHEMA_FILE, PACKAGE_FILE)

_LIST = " Tableau JSON, de la même forme que dans entries.json."
TABLE_SCHEMA = {
    "fields": [
        {
            "name": "slug",
            "title": "Identifiant",
            "type": "string",
            "description": "Identifiant stable du conseil (il figure dans l'adresse de sa page).",
            "constraints": {"required": True, "unique": True, "pattern": "[-a-zA-Z0-9_]+"},
        },
        {
            "name": "audience",
            "title": "Public",
            "type": "string",
            "description": "Public concerné : particulier, professionnel ou association.",
            "constraints": {"required": True, "enum": Audience.values},
        },
        {
            "name": "title",
            "title": "Erreur",
            "type": "string",
            "description": "L'erreur, telle qu'on la commet, à la première personne.",
            "constraints": {"required": True},
        },
        {
            "name": "consequence",
            "title": "Conséquence",
            "type": "string",
            "description": "Ce que l'erreur entraîne.",
            "constraints": {"required": True},
        },
        {
            "name": "advice",
            "title": "Conseil",
            "type": "string",
            "description": "Le conseil pour éviter l'erreur ; les lignes commençant par « - » "
            "forment une liste à puces.",
            "constraints": {"required": True},
        },
        {
            "name": "fix",
            "title": "Correction",
            "type": "string",
            "description": "Comment corriger l'erreur si elle est déjà faite (la voie officielle).",
            "constraints": {"required": True},
        },
        {
            "name": "example",
            "title": "Exemple",
            "type": "string",
            "description": "Exemple chiffré, facultatif (vide s'il n'y en a pas).",
        },
        {
            "name": "links",
            "title": "Pages officielles",
            "type": "array",
            "description": "Pages officielles : objets {label, url}." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "owners",
            "title": "Administrations responsables",
            "type": "array",
            "description": "Administrations responsables : objets {name, sp_code} (sp_code : code "
            "Services Publics+, ou null)." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "life_events",
            "title": "Événements de vie",
            "type": "array",
            "description": "Événements de vie : objets {slug, title}." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "procedures",
            "title": "Démarches",
            "type": "array",
            "description": "Démarches concernées : objets {slug, title, online_service_url}, "
            "éventuellement vide." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "legal_references",
            "title": "Textes de référence",
            "type": "array",
            "description": "Textes de référence : objets {key, code, article, paragraph, url, "
            "unverified} ; unverified vaut true quand l'article ou le lien restent à vérifier "
            "sur Légifrance." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "rule_ids",
            "title": "Règles du droit à l'erreur",
            "type": "array",
            "description": "Identifiants des règles du moteur du droit à l'erreur dont le conseil "
            "dépend (voir l'API /api/v1/right-to-error/rules), éventuellement vide." + _LIST,
            "constraints": {"required": True},
        },
        {
            "name": "verified_on",
            "title": "Vérifié le",
            "type": "date",
            "description": "Date de la dernière vérification par l'administration (AAAA-MM-JJ).",
            "constraints": {"required": True},
        },
        {
            "name": "verified_by",
            "title": "Vérifié par",
            "type": "string",
            "description": "Administration qui a vérifié et publié cette version.",
            "constraints": {"required": True},
        },
        {
            "name": "verified_by_code",
            "title": "Code de l'administration qui a vérifié",
            "type": "string",
            "description": "Code Services Publics+ de cette administration, vide s'il n'est pas "
            "connu.",
        },
        {
            "name": "version",
            "title": "Version",
            "type": "integer",
            "description": "Numéro de la version publiée (1 à la première publication).",
            "constraints": {"required": True, "minimum": 1},
        },
        {
            "name": "published_at",
            "title": "Publiée le",
            "type": "datetime",
            "description": "Date et heure de publication de cette version (ISO 8601, avec fuseau).",
            "constraints": {"required": True},
        },
        {
            "name": "review_notice",
            "title": "En cours de relecture",
            "type": "boolean",
            "description": "true quand le conseil est en cours de relecture (une règle dont il "
            "dépend a changé, ou sa date de relecture est passée) : le signaler au lecteur.",
            "constraints": {"required": True},
        },
        {
            "name": "url",
            "title": "Page",
            "type": "string",
            "format": "uri",
            "description": "Adresse de la page publique du conseil.",
            "constraints": {"required": True},
        },
    ],
    "primaryKey": "slug",
    "missingValues": [""],
}
CSV_FIELDS = [field["name"] for field in TABLE_SCHEMA["fields"]]


@dataclass(frozen=True)
class Dump:
    count: int
    files: dict[str, bytes]  # file name -> content


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _csv_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def csv_row(entry: dict) -> dict:
    row = {name: _csv_value(entry.get(name)) for name in CSV_FIELDS}
    row["verified_by"] = entry["verified_by"]["name"]
    row["verified_by_code"] = entry["verified_by"]["sp_code"] or ""
    return row


def build_dump(base_url: str, now=None) -> Dump:
    """Every file of the dump, in memory (nothing is written here)."""
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    entries = list(entries_for_output().order_by("slug"))
    rows = [
        {key: value for key, value in entry.items() if key != "excerpt_html"}
        for entry in serialize_entries(entries, lambda slug: base_url + entry_page_path(slug))
    ]
    generated_at = now.isoformat(timespec="seconds")

    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_row(row) for row in rows)

    package = {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": PACKAGE_DESCRIPTION,
        "homepage": base_url + "/conseils/",
        "created": generated_at,
        "licenses": [LICENSE],
        "resources": [
            {
                "name": "entries",
                "path": CSV_FILE,
                "title": "Conseils publiés (CSV)",
                "description": "Un conseil par ligne ; les listes sont des tableaux JSON.",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": SCHEMA_FILE,
            },
            {
                "name": "entries-json",
                "type": "json",
                "path": JSON_FILE,
                "title": "Conseils publiés (JSON)",
                "description": "Les mêmes conseils, de la même forme que l'API "
                "/api/v1/advice/entries/, dans la clé « entries ».",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
            },
        ],
    }
    document = {
        "title": PACKAGE_TITLE,
        "license": LICENSE,
        "generated_at": generated_at,
        "count": len(rows),
        "entries": rows,
    }
    return Dump(
        count=len(rows),
        files={
            JSON_FILE: _json_bytes(document),
            CSV_FILE: out.getvalue().encode(),
            SCHEMA_FILE: _json_bytes(TABLE_SCHEMA),
            PACKAGE_FILE: _json_bytes(package),
        },
    )


def write_files(files: dict[str, bytes], directory: Path) -> None:
    """Write each file, in the dict's order, through a temporary file and a rename: readers
    never see half a file. Put datapackage.json, which lists the others, last."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_dump(dump: Dump, directory: Path) -> None:
    write_files({name: dump.files[name] for name in FILES}, directory)


def default_output() -> Path:
    return Path(settings.VAR_DIR) / "opendata" / "advice"
