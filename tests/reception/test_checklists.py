"""Checklists as versioned data: the shipped files, their sync, and the freeze of used versions."""

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

from bonnefoi.accounts.models import Role
from bonnefoi.reception.checklists import (
    DATA_DIR,
    ChecklistDataError,
    ChecklistFrozenError,
    load_checklist_files,
    parse_checklist,
)
from bonnefoi.reception.models import Audit, ChecklistVersion, Criterion, CriterionResult
from bonnefoi.reception.selectors import current_checklist
from bonnefoi.reception.services import checklists_sync
from tests.reception.factories import record_audit

COMMITMENT_ITEMS = {
    "lighting",
    "cleanliness",
    "tidiness",
    "seating",
    "confidentiality_floor_marking",
    "confidentiality_sound",
    "toilets",
    "laicite_charter",
    "queue_information",
    "accessibility_register",
}


def test_shipped_files_load_and_cover_the_commitment():
    """The current version covers every premises item of the commitment and of brief §8, each
    criterion with a French label and at least one source."""
    versions = load_checklist_files()
    assert [v.number for v in versions] == [1, 2]
    current = versions[-1]
    assert {c.key for c in current.criteria} >= COMMITMENT_ITEMS
    for criterion in current.criteria:
        assert criterion.label
        assert criterion.theme
        assert criterion.references, criterion.key


def test_every_unverified_fact_says_what_is_uncertain():
    """A reference flagged unverified carries a note; the [M]-like dates of the versions too."""
    for version in load_checklist_files():
        if version.unverified:
            assert version.note
        for criterion in version.criteria:
            for reference in criterion.references:
                assert reference["url"].startswith("https://")
                if reference["unverified"]:
                    assert reference["note"], (version.number, criterion.key)


def test_legal_texts_are_cited_with_their_references():
    """The laïcité charter and the accessibility register cite their texts (circular of
    13 April 2007; décret 2017-431), and the register of anonymity cites CRPA L111-2."""
    current = {c.key: c for c in load_checklist_files()[-1].criteria}
    codes = lambda key: " ".join(r["code"] for r in current[key].references)  # noqa: E731
    assert "5209/SG du 13 avril 2007" in codes("laicite_charter")
    assert "2017-431" in codes("accessibility_register")
    assert any(r["article"] == "L111-2" for r in current["agent_identification"].references)


def test_sync_is_idempotent(db):
    """Syncing twice creates the versions once and then reports nothing to change."""
    ChecklistVersion.objects.all().delete()
    first = checklists_sync()
    assert first.created == [1, 2]
    second = checklists_sync()
    assert second.created == second.updated == []
    assert Criterion.objects.filter(checklist__number=2).count() == 13


def test_data_migration_loaded_the_checklists(db):
    """A freshly migrated database already holds the shipped versions (migration 0002)."""
    assert set(ChecklistVersion.objects.values_list("number", flat=True)) >= {1, 2}


def _edited(tmp_path: Path, number: int, old: str, new: str) -> Path:
    source = (DATA_DIR / f"checklist-v{number}.toml").read_text(encoding="utf-8")
    assert old in source
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    for path in DATA_DIR.glob("checklist-v*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / f"checklist-v{number}.toml").write_text(source.replace(old, new), encoding="utf-8")
    return folder


def test_a_used_version_is_frozen(tree, member, checklists, tmp_path):
    """Once an audit used version 2, changing a criterion's wording in its file is refused with
    a French message asking for a new version; the stored wording is unchanged."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    record_audit(actor=quality, site=tree.nimes, checklist=checklists[2])
    folder = _edited(tmp_path, 2, "Les locaux sont propres", "Les locaux sont impeccables")
    with pytest.raises(ChecklistFrozenError, match=r"checklist-v3\.toml"):
        checklists_sync(versions=load_checklist_files(folder))
    assert checklists[2].criteria.get(key="cleanliness").label == "Les locaux sont propres"


def test_verification_status_may_still_change_on_a_used_version(tree, member, checklists, tmp_path):
    """Marking a reference verified (or rewording its note) is not a change of the checklist:
    allowed even once audits used the version."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    record_audit(actor=quality, site=tree.nimes, checklist=checklists[2])
    folder = _edited(
        tmp_path,
        2,
        "lien vers le site officiel des circulaires à relever.",
        "lien vers le site officiel des circulaires relevé le 2 mars 2026.",
    )
    report = checklists_sync(versions=load_checklist_files(folder))
    assert report.updated == [2]
    references = checklists[2].criteria.get(key="laicite_charter").references
    assert any("relevé le 2 mars 2026" in r["note"] for r in references)


def test_an_unused_version_may_be_corrected(checklists, tmp_path):
    """Before any audit, a version's file may still be corrected: the wording is updated."""
    folder = _edited(tmp_path, 2, "Les locaux sont propres", "Les locaux sont propres et aérés")
    report = checklists_sync(versions=load_checklist_files(folder))
    assert report.updated == [2]
    assert checklists[2].criteria.get(key="cleanliness").label == "Les locaux sont propres et aérés"


def test_new_version_leaves_old_audits_with_theirs(tree, member, checklists, tmp_path):
    """A third version (new wording of the commitment) becomes the one in force; an audit made
    with version 2 keeps version 2's criteria and wording, and new audits use version 3."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    old = record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=checklists[2],
        visited_on=dt.date(2025, 6, 2),
        cleanliness=("not_met", "Sols sales."),
    )
    source = tomllib.loads((DATA_DIR / "checklist-v2.toml").read_text(encoding="utf-8"))
    text = (DATA_DIR / "checklist-v2.toml").read_text(encoding="utf-8")
    text = text.replace("number = 2", "number = 3").replace(
        f"valid_from = {source['checklist']['valid_from']}", "valid_from = 2025-07-01"
    )
    text = text.replace("Les locaux sont propres", "Les locaux sont propres et entretenus")
    folder = tmp_path / "data"
    folder.mkdir()
    for path in DATA_DIR.glob("checklist-v*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "checklist-v3.toml").write_text(text, encoding="utf-8")

    report = checklists_sync(versions=load_checklist_files(folder))

    assert report.created == [3]
    assert current_checklist(dt.date(2025, 8, 1)).number == 3
    old.refresh_from_db()
    assert old.checklist.number == 2
    result = CriterionResult.objects.get(audit=old, criterion__key="cleanliness")
    assert result.criterion.label == "Les locaux sont propres"
    assert result.criterion.checklist_id == checklists[2].pk
    new = record_audit(actor=quality, site=tree.nimes, checklist=current_checklist())
    assert new.checklist.number == 3
    assert Audit.objects.filter(checklist__number=2).get() == old


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "lighting"', 'key = "Éclairage"', "identifiant"),
        ('key = "tidiness"', 'key = "lighting"', "en double"),
        ("number = 2", "number = 5", "doit valoir 2"),
        ('url = "https://www.plus', 'url = "http://www.plus', "https://"),
        ('label = "Les locaux sont propres"\n', "", "label"),
    ],
)
def test_malformed_files_are_refused(tmp_path, old, new, message):
    """A malformed checklist file stops the sync with a French message naming the problem."""
    source = (DATA_DIR / "checklist-v2.toml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "checklist-v2.toml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ChecklistDataError, match=message):
        parse_checklist(path)


def test_command_check_and_sync(db, capsys):
    """`reception_checklists check` lists the versions; `sync --dry-run` writes nothing."""
    call_command("reception_checklists", "check")
    out = capsys.readouterr().out
    assert "grille n° 2 : 13 critères" in out
    ChecklistVersion.objects.all().delete()
    call_command("reception_checklists", "sync", "--dry-run")
    assert "Simulation" in capsys.readouterr().out
    assert not ChecklistVersion.objects.exists()
    call_command("reception_checklists", "sync")
    assert "grille des locaux n° 2 créée" in capsys.readouterr().out
    assert ChecklistVersion.objects.count() == 2
