"""Open data of the observatory: files written, schemas matching the CSV headers, secret cells
empty, licence present, dry run writing and saving nothing."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bonnefoi.observatory import opendata
from bonnefoi.observatory.models import PublishedFigure
from tests.observatory.publication_factories import World

pytestmark = pytest.mark.django_db
BASE = "https://bonnefoi.exemple.gouv.fr"


def run(tmp_path, *extra):
    out = StringIO()
    call_command(
        "observatory_publish", "--output", str(tmp_path), "--base-url", BASE, *extra, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def world():
    from bonnefoi.observatory import refresh

    built = World()
    refresh.rebuild(full=True)
    return built


def rows(tmp_path, name):
    return list(csv.DictReader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))


def test_the_command_publishes_and_writes_every_file(tmp_path, world):
    """Every file is written, the figures are published, and the summary says so."""
    message = run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(opendata.FILES)
    assert PublishedFigure.objects.exists()
    assert "secret statistique" in message


@pytest.mark.parametrize(
    ("csv_name", "schema_name"),
    [
        (opendata.INDICATORS_CSV, opendata.INDICATORS_SCHEMA),
        (opendata.ERRORS_CSV, opendata.ERRORS_SCHEMA),
    ],
)
def test_schema_fields_match_the_csv_header(tmp_path, world, csv_name, schema_name):
    """The TableSchema lists the CSV columns in order, with French titles, and "" as the
    missing value (secret statistique)."""
    run(tmp_path)
    schema = json.loads((tmp_path / schema_name).read_text())
    header = next(csv.reader(io.StringIO((tmp_path / csv_name).read_text())))
    assert [field["name"] for field in schema["fields"]] == header
    assert all(field["title"] and field["description"] for field in schema["fields"])
    assert schema["missingValues"] == [""]


def test_secret_cells_are_empty_and_published_ones_filled(tmp_path, world):
    """« Site Deux » (3 cases) has an empty received cell; the country has 68; JSON has null."""
    run(tmp_path)
    by_name = {row["name"]: row for row in rows(tmp_path, opendata.INDICATORS_CSV)}
    assert by_name["Site Deux"]["received"] == ""
    assert by_name["France entière"]["received"] == "68"
    assert by_name["France entière"]["kind"] == "national"
    assert by_name["Réseau Sud"]["granted_share"] == "100.0"
    assert by_name["France entière"]["granted_share"] == ""  # granted is secret
    document = json.loads((tmp_path / opendata.INDICATORS_JSON).read_text())
    site_two = next(r for r in document["indicators"] if r["name"] == "Site Deux")
    assert site_two["received"] is None
    errors = rows(tmp_path, opendata.ERRORS_CSV)
    assert {row["entry"] for row in errors} == {world.entry.slug}
    assert all(row["count"] == "" or int(row["count"]) >= 10 for row in errors)


def test_no_value_from_1_to_9_and_no_personal_data(tmp_path, world):
    """No count cell of the CSV holds 1 to 9, and no case e-mail address appears anywhere."""
    run(tmp_path)
    counts = ("received", "decided", "granted", "not_granted", "waived")
    for row in rows(tmp_path, opendata.INDICATORS_CSV):
        for name in counts:
            assert row[name] == "" or int(row[name]) == 0 or int(row[name]) >= 10, (row, name)
    for name in opendata.FILES:
        assert "@" not in (tmp_path / name).read_text()


def test_the_licence_is_the_licence_ouverte(tmp_path, world):
    """datapackage.json and both JSON files carry Licence Ouverte 2.0; resources point to
    the schemas."""
    run(tmp_path)
    package = json.loads((tmp_path / opendata.PACKAGE_FILE).read_text())
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert {r["path"] for r in package["resources"]} == {
        opendata.INDICATORS_CSV,
        opendata.INDICATORS_JSON,
        opendata.ERRORS_CSV,
        opendata.ERRORS_JSON,
    }
    assert package["homepage"] == BASE + "/transparence/"
    for name in (opendata.INDICATORS_JSON, opendata.ERRORS_JSON):
        assert json.loads((tmp_path / name).read_text())["license"]["name"] == "etalab-2.0"


def test_dry_run_writes_and_saves_nothing(tmp_path, world):
    """--dry-run computes everything but leaves the folder and the published figures as
    they were."""
    message = run(tmp_path / "out", "--dry-run")
    assert "Simulation" in message
    assert not (tmp_path / "out").exists()
    assert not PublishedFigure.objects.exists()


@pytest.mark.parametrize("url", ["ftp://x", "https://", "https://x/?a=1"])
def test_an_invalid_base_url_is_refused(tmp_path, url):
    """The base URL must be http(s)://host without a query."""
    with pytest.raises(CommandError):
        call_command("observatory_publish", "--output", str(tmp_path), "--base-url", url)
