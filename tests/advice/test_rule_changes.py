"""« Mis à jour dès que les règles changent » : a new version of a legal text or of an engine
rule puts every dependent entry in its owners' review queue and e-mails them."""

from dataclasses import replace
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import EntryStatus, LegalReferenceVersion
from bonnefoi.advice.selectors import entry_is_stale, review_queue
from bonnefoi.advice.services import (
    engine_rules_sync,
    entry_publish,
    legal_reference_version_register,
)
from bonnefoi.rules import load_catalogue
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory, LegalReferenceFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def published(entry):
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=None, change_kind="major", change_note="v1")
    entry.refresh_from_db()
    return entry


def test_new_version_of_a_legal_text_puts_citing_entries_under_review(
    django_capture_on_commit_callbacks,
):
    """Registering a newer version of a cited article marks the citing entries "à revoir",
    lists them in the owners' review queue, shows the public notice and e-mails the editors;
    entries citing other texts are untouched."""
    owner = StructureFactory()
    editor = MembershipFactory(role=Role.EDITOR, structure=owner).user
    reference, other_reference = LegalReferenceFactory(), LegalReferenceFactory()
    LegalReferenceVersion.objects.create(reference=reference, version_date=date(2020, 1, 1))
    citing = published(EntryFactory(owners=[owner], legal_references=[reference]))
    other = published(EntryFactory(owners=[owner], legal_references=[other_reference]))
    assert not entry_is_stale(citing)

    with django_capture_on_commit_callbacks(execute=True):
        legal_reference_version_register(reference=reference, version_date=date(2026, 1, 1))

    citing.refresh_from_db()
    other.refresh_from_db()
    assert citing.needs_review
    assert "01/01/2026" in citing.review_reason
    assert not other.needs_review
    assert list(review_queue([owner])) == [citing]
    assert entry_is_stale(citing)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor.email]
    assert citing.title in mail.outbox[0].body


def test_an_older_or_same_version_is_refused():
    """A legal text's versions only move forward."""
    reference = LegalReferenceFactory()
    LegalReferenceVersion.objects.create(reference=reference, version_date=date(2020, 1, 1))
    with pytest.raises(ValidationError):
        legal_reference_version_register(reference=reference, version_date=date(2019, 1, 1))


def test_republishing_clears_the_review_mark():
    """Once reviewed and published again, the entry leaves the queue and loses the notice."""
    owner = StructureFactory()
    reference = LegalReferenceFactory()
    LegalReferenceVersion.objects.create(reference=reference, version_date=date(2020, 1, 1))
    entry = published(EntryFactory(owners=[owner], legal_references=[reference]))
    legal_reference_version_register(reference=reference, version_date=date(2026, 1, 1))
    entry = published(entry)
    assert not entry.needs_review
    assert list(review_queue([owner])) == []


def test_a_new_engine_rule_version_puts_dependent_entries_under_review():
    """The first sync records the engine's rule versions; when a rule gets a new version (a
    data change in bonnefoi/rules/data), the next sync marks the entries depending on it."""
    owner = StructureFactory()
    dependent = published(EntryFactory(owners=[owner], rule_ids=["cgi-1727-v"]))
    unrelated = published(EntryFactory(owners=[owner], rule_ids=["css-r243-10"]))
    catalogue = load_catalogue()
    assert engine_rules_sync(catalogue=catalogue) == {}

    rule = catalogue.rules["cgi-1727-v"]
    newer = replace(rule.versions[-1], id="cgi-1727-v@2030-01-01")
    changed_rules = {
        **catalogue.rules,
        "cgi-1727-v": replace(rule, versions=(*rule.versions, newer)),
    }
    changed = engine_rules_sync(catalogue=replace(catalogue, rules=changed_rules))

    dependent.refresh_from_db()
    unrelated.refresh_from_db()
    assert changed == {"cgi-1727-v": [dependent.pk]}
    assert dependent.needs_review
    assert not unrelated.needs_review


def test_past_review_date_shows_the_notice():
    """An entry whose review date has passed is stale for the public even if not marked."""
    entry = published(EntryFactory())
    entry.review_by = date(2020, 1, 1)
    assert entry_is_stale(entry, today=date(2026, 1, 1))
