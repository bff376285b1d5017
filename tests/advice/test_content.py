"""Content as YAML files: import, re-import, errors, export round trip, shipped catalogue."""

import textwrap

import pytest
import yaml
from django.core.management import CommandError, call_command

from bonnefoi.advice.content import CONTENT_DIR, export_content, import_content
from bonnefoi.advice.models import Audience, Entry, LifeEvent
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def write(directory, name, text):
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def content(tmp_path):
    StructureFactory(sp_code="TEST-CAF")
    write(tmp_path, "owners.yaml", "- {key: caf, name: CAF, sp_code: TEST-CAF}\n")
    write(
        tmp_path,
        "life-events-particulier.yaml",
        """\
        - slug: je-demenage
          audience: particulier
          title: Je déménage
          summary: Ce qu'il faut signaler quand on change d'adresse.
        """,
    )
    write(
        tmp_path,
        "procedures-particulier.yaml",
        """\
        - slug: changement-situation-caf
          title: Signaler un changement de situation à la CAF
          owners: [caf]
          online_service_url: https://www.caf.fr/
        """,
    )
    write(
        tmp_path,
        "entries-particulier-caf.yaml",
        """\
        - slug: oubli-demenagement-caf
          audience: particulier
          life_events: [je-demenage]
          procedures: [changement-situation-caf]
          owners: [caf]
          title: J'oublie de signaler mon déménagement à la CAF
          consequence: L'aide au logement est calculée sur l'ancien logement.
          advice: Signalez la nouvelle adresse dès le mois du déménagement.
          fix: Déclarez le changement en ligne, avec la date réelle du déménagement.
          links: [{label: Mon compte CAF, url: "https://www.caf.fr/"}]
          legal_references: [css-l114-17]
          rule_ids: [css-l114-17]
          verified_on: 2026-11-27
          review_by: 2027-11-27
        """,
    )
    return tmp_path


def test_import_publishes_entries_and_shares_engine_references(content):
    """Imported entries are published (version 1) with their owner, life event and procedure;
    an engine reference cited by id becomes the same legal reference as the engine's."""
    report = import_content(content)
    entry = Entry.objects.get(slug="oubli-demenagement-caf")
    assert report.published == [entry.slug]
    assert entry.current_version.number == 1
    assert entry.owners.get().sp_code == "TEST-CAF"
    assert entry.life_events.get().audience == Audience.PARTICULIER
    reference = entry.legal_references.get()
    assert (reference.key, reference.article) == ("css-l114-17", "L114-17")
    assert reference.versions.exists()


def test_reimport_publishes_only_what_changed(content):
    """Importing the same files again changes nothing; a changed text becomes version 2 with a
    note naming the file."""
    import_content(content)
    assert import_content(content).unchanged == 1
    path = content / "entries-particulier-caf.yaml"
    path.write_text(path.read_text().replace("dès le mois", "le mois même"), encoding="utf-8")
    report = import_content(content)
    entry = Entry.objects.get(slug="oubli-demenagement-caf")
    assert report.published == [entry.slug]
    assert entry.current_version.number == 2
    assert "entries-particulier-caf.yaml" in entry.current_version.change_note


def test_inconsistent_files_are_refused_whole_with_every_problem(content):
    """An unknown life event or owner is reported with its file, and nothing is saved."""
    path = content / "entries-particulier-caf.yaml"
    text = (
        path.read_text()
        .replace("[je-demenage]", "[inconnu]")
        .replace("owners: [caf]", "owners: [x]")
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("advice_content", "import", str(content))
    message = str(caught.value)
    assert "'inconnu'" in message
    assert "'x'" in message
    assert "entries-particulier-caf.yaml" in message
    assert not LifeEvent.objects.exists()


def test_dry_run_saves_nothing(content):
    """`--dry-run` checks everything and rolls back."""
    call_command("advice_content", "import", str(content), "--dry-run")
    assert not Entry.objects.exists()


def test_export_then_import_round_trips(content, tmp_path_factory):
    """What export writes, import reads back to the same published content."""
    import_content(content)
    before = Entry.objects.get().current_version.content
    out = tmp_path_factory.mktemp("export")
    export_content(out)
    exported = yaml.safe_load((out / "entries-particulier.yaml").read_text())
    assert exported[0]["slug"] == "oubli-demenagement-caf"
    report = import_content(out)
    assert report.unchanged == 1
    assert Entry.objects.get().current_version.content == before


def test_shipped_catalogue_imports_and_is_large_enough():
    """The catalogue shipped with the platform imports cleanly over the demo owners and has at
    least 17 life events for particuliers, 6 for professionnels and 150 entries, each with an
    owner, a life event and an official https link."""
    owners = yaml.safe_load((CONTENT_DIR / "owners.yaml").read_text())
    for owner in owners:
        StructureFactory(sp_code=owner["sp_code"], name=owner["name"])
    import_content(CONTENT_DIR)
    assert LifeEvent.objects.filter(audience=Audience.PARTICULIER).count() >= 17
    assert LifeEvent.objects.filter(audience=Audience.PROFESSIONNEL).count() >= 6
    entries = Entry.objects.published().prefetch_related("owners", "life_events")
    assert entries.count() >= 150
    for entry in entries:
        assert entry.owners.exists()
        assert entry.life_events.exists()
        assert entry.links
        assert all(link["url"].startswith("https://") for link in entry.links)
