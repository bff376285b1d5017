"""Open-data dump (`manage.py advice_opendata`): JSON, CSV valid against its TableSchema
(checked with frictionless), datapackage under Licence Ouverte 2.0, published entries only, no
personal data, atomic writes, --dry-run writes nothing."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from frictionless import Package, Resource, Schema

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Audience, EntryStatus
from bonnefoi.advice.opendata import CSV_FIELDS, FILES, TABLE_SCHEMA
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import (
    EntryFactory,
    LegalReferenceFactory,
    LifeEventFactory,
    ProcedureFactory,
    publish_entry,
)
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://bonnefoi.exemple.gouv.fr"


@pytest.fixture
def catalogue():
    """Three published entries (one published by a named person, one with quotes, commas and
    line breaks in its text), a draft, an entry in review and an archived entry."""
    caf = StructureFactory(name="Caisse d'allocations familiales", sp_code="DEMO-CNAF")
    reviewer = MembershipFactory(
        role=Role.QUALITY_MANAGER,
        structure=caf,
        user__email="camille.relectrice@exemple.test",
    ).user
    reference = LegalReferenceFactory(key="css-l553-1", paragraph="alinéa 2", unverified=True)
    procedure = ProcedureFactory(slug="aide-logement", title="Demander une aide au logement")
    publish_entry(
        EntryFactory(
            slug="adresse",
            owners=[caf],
            legal_references=[reference],
            rule_ids=["css-l114-17"],
            advice='Dites-le « vite », "tout de suite" ; puis :\n- vérifiez,\n- gardez la preuve.',
            example="600 €, pas 450 €.",
        ),
        procedures=[procedure],
        user=reviewer,
    )
    publish_entry(EntryFactory(slug="loyer", owners=[caf]))
    pro = publish_entry(
        EntryFactory(
            slug="embauche",
            audience=Audience.PROFESSIONNEL,
            life_events=[LifeEventFactory(audience=Audience.PROFESSIONNEL)],
            owners=[StructureFactory(name="Urssaf", sp_code=None)],
        )
    )
    pro.needs_review = True
    pro.save()
    EntryFactory(slug="brouillon", owners=[caf])
    EntryFactory(slug="en-relecture", owners=[caf], status=EntryStatus.IN_REVIEW)
    archived = publish_entry(EntryFactory(slug="archive", owners=[caf]))
    archived.status = EntryStatus.ARCHIVED
    archived.save()
    return {"caf": caf}


def run(*args) -> str:
    out = io.StringIO()
    call_command("advice_opendata", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def dump(tmp_path, catalogue) -> Path:
    output = tmp_path / "opendata"
    run("--output", str(output), "--base-url", BASE_URL)
    return output


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_dump_writes_the_four_files_with_published_entries_only(dump):
    """The dump holds entries.json, entries.csv, entries.schema.json and datapackage.json, with
    the same published entries (no draft, no entry in review, no archived entry) and counts
    that match."""
    assert sorted(path.name for path in dump.iterdir()) == sorted(FILES)
    document = json.loads((dump / "entries.json").read_text(encoding="utf-8"))
    rows = read_csv(dump / "entries.csv")
    published = {"adresse", "loyer", "embauche"}
    assert {entry["slug"] for entry in document["entries"]} == published
    assert {row["slug"] for row in rows} == published
    assert document["count"] == len(document["entries"]) == len(rows) == 3
    assert document["license"]["name"] == "etalab-2.0"
    assert list(rows[0]) == CSV_FIELDS


def test_csv_is_valid_against_its_table_schema(dump):
    """frictionless validates the CSV against entries.schema.json: types, required values,
    enum of audiences, unique primary key, URLs; with no error at all."""
    schema = Schema.from_descriptor(json.loads((dump / "entries.schema.json").read_text()))
    assert schema.primary_key == ["slug"]
    assert [field.name for field in schema.fields] == CSV_FIELDS
    assert all(field.description for field in schema.fields)
    report = Resource(path="entries.csv", basepath=str(dump), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 3


def test_datapackage_is_valid_with_licence_ouverte(dump):
    """datapackage.json is a valid Data Package (frictionless), under Licence Ouverte 2.0 with
    its URL, listing the CSV with its schema and the JSON file; every resource validates."""
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"] == [
        {
            "name": "etalab-2.0",
            "title": "Licence Ouverte / Open Licence version 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        }
    ]
    assert {resource["path"] for resource in descriptor["resources"]} == {
        "entries.csv",
        "entries.json",
    }
    assert descriptor["homepage"] == f"{BASE_URL}/conseils/"
    package = Package(str(dump / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    table = package.get_resource("entries")
    assert len(table.read_rows()) == 3


def test_csv_values_round_trip_to_the_json(dump):
    """Each CSV row says what the JSON says: lists are JSON arrays of the same objects, texts
    keep quotes, commas and line breaks, booleans are true/false, links are absolute."""
    document = json.loads((dump / "entries.json").read_text(encoding="utf-8"))
    by_slug = {entry["slug"]: entry for entry in document["entries"]}
    rows = {row["slug"]: row for row in read_csv(dump / "entries.csv")}
    row, entry = rows["adresse"], by_slug["adresse"]
    assert row["advice"] == entry["advice"]
    assert "\n- vérifiez," in row["advice"]
    for name in ("links", "owners", "life_events", "procedures", "legal_references", "rule_ids"):
        assert json.loads(row[name]) == entry[name], name
    assert json.loads(row["legal_references"])[0]["unverified"] is True
    assert json.loads(row["procedures"])[0]["slug"] == "aide-logement"
    assert row["verified_by"] == "Caisse d'allocations familiales"
    assert row["verified_by_code"] == "DEMO-CNAF"
    assert row["url"] == entry["url"] == f"{BASE_URL}/conseils/erreur/adresse/"
    assert row["review_notice"] == "false"
    assert rows["embauche"]["review_notice"] == "true"
    assert rows["embauche"]["verified_by_code"] == ""
    assert rows["loyer"]["example"] == ""
    assert "excerpt_html" not in entry


def test_dump_holds_no_personal_data(dump):
    """Nothing in the dump names a person: who published a version is never written."""
    for name in FILES:
        text = (dump / name).read_text(encoding="utf-8")
        assert "camille" not in text.lower(), name
        assert "@" not in text, name
        assert "published_by" not in text, name


def test_dry_run_writes_nothing(tmp_path, catalogue):
    """--dry-run prepares the files and says how many entries, but writes nothing (not even
    the folder)."""
    output = tmp_path / "opendata"
    message = run("--output", str(output), "--base-url", BASE_URL, "--dry-run")
    assert "Simulation" in message
    assert "3 conseil(s)" in message
    assert not output.exists()


def test_rerun_replaces_the_files_without_leftovers(tmp_path, catalogue):
    """A second run (the daily job) replaces the files in place: new entries appear, no
    temporary file is left behind."""
    output = tmp_path / "opendata"
    run("--output", str(output), "--base-url", BASE_URL)
    publish_entry(EntryFactory(slug="nouveau", owners=[catalogue["caf"]]))
    message = run("--output", str(output), "--base-url", BASE_URL)
    assert "4 conseil(s)" in message
    assert sorted(path.name for path in output.iterdir()) == sorted(FILES)
    assert len(read_csv(output / "entries.csv")) == 4


def test_default_output_and_base_url(settings, tmp_path, catalogue):
    """Without options the dump goes to <var>/opendata/advice/ and page links use the first
    host of ALLOWED_HOSTS in HTTPS; with no usable host the command asks for --base-url."""
    settings.VAR_DIR = tmp_path
    settings.ALLOWED_HOSTS = ["bonnefoi.exemple.gouv.fr"]
    run()
    document = json.loads((tmp_path / "opendata/advice/entries.json").read_text(encoding="utf-8"))
    assert document["entries"][0]["url"].startswith("https://bonnefoi.exemple.gouv.fr/conseils/")
    settings.ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match="--base-url"):
        run()
    with pytest.raises(CommandError, match="--base-url invalide"):
        run("--base-url", "bonnefoi.exemple.gouv.fr")


def test_empty_catalogue_still_gives_a_valid_dump(tmp_path):
    """With nothing published the dump is a valid package with a header-only CSV."""
    output = tmp_path / "opendata"
    run("--output", str(output), "--base-url", BASE_URL)
    assert read_csv(output / "entries.csv") == []
    assert json.loads((output / "entries.json").read_text(encoding="utf-8"))["count"] == 0
    report = Package(str(output / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_schema_describes_every_field_in_french():
    """Every CSV column has a French title and description in the TableSchema."""
    for field in TABLE_SCHEMA["fields"]:
        assert field["title"]
        assert field["description"].endswith((".", ")"))


def test_schema_validation_catches_a_broken_csv(dump):
    """Control case: the same validation rejects a CSV with an unknown audience, a duplicated
    slug and a version that is not a number (so the checks above are not empty)."""
    rows = read_csv(dump / "entries.csv")
    rows[0]["audience"] = "entreprise"
    rows[1]["slug"] = rows[2]["slug"]
    rows[2]["version"] = "deux"
    with (dump / "entries.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    report = Package(str(dump / "datapackage.json")).validate()
    assert not report.valid
    types = {error[0] for error in report.flatten(["type"])}
    assert {"constraint-error", "primary-key", "type-error"} <= types
