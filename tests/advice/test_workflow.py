"""Editorial workflow: who may submit and publish, what a publication freezes."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import ChangeKind, EntryStatus
from bonnefoi.advice.services import entry_publish, entry_submit_for_review
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def member(role, structure):
    return MembershipFactory(role=role, structure=structure).user


def test_editor_submits_and_reviewer_of_the_same_administration_publishes():
    """An editor submits an entry of their administration; a quality manager of the same
    administration publishes it as version 1, stamped "vérifié par" that administration."""
    network = StructureFactory(name="Réseau CAF")
    entry = EntryFactory(owners=[network])
    editor = member(Role.EDITOR, network)
    reviewer = member(Role.QUALITY_MANAGER, network)
    entry_submit_for_review(entry=entry, user=editor)
    version = entry_publish(
        entry=entry, user=reviewer, change_kind=ChangeKind.MAJOR, change_note="Première version."
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    assert entry.current_version == version
    assert version.number == 1
    assert version.verified_by == network
    assert version.content["title"] == entry.title
    assert entry.verified_on is not None


def test_editor_cannot_publish_and_other_administrations_cannot_touch():
    """Publishing needs the reviewer role; an editor or reviewer of another administration can
    neither submit nor publish the entry."""
    own, other = StructureFactory(), StructureFactory()
    entry = EntryFactory(owners=[own])
    with pytest.raises(PermissionDenied):
        entry_submit_for_review(entry=entry, user=member(Role.EDITOR, other))
    entry_submit_for_review(entry=entry, user=member(Role.EDITOR, own))
    for user in (member(Role.EDITOR, own), member(Role.QUALITY_MANAGER, other)):
        with pytest.raises(PermissionDenied):
            entry_publish(entry=entry, user=user, change_kind="minor", change_note="x")


def test_a_role_on_a_parent_covers_entries_of_the_subtree():
    """A reviewer on a network may publish the entries owned by one of its administrations."""
    network = StructureFactory()
    administration = StructureFactory(kind=StructureKind.ADMINISTRATION, parent=network)
    entry = EntryFactory(owners=[administration], status=EntryStatus.IN_REVIEW)
    version = entry_publish(
        entry=entry,
        user=member(Role.QUALITY_MANAGER, network),
        change_kind="major",
        change_note="v1",
    )
    assert version.verified_by == administration


def test_every_publication_is_a_new_version_with_a_public_note():
    """Each publication adds a numbered version; editing the working copy does not change what
    the public reads until the next publication; the change note is required."""
    owner = StructureFactory()
    reviewer = member(Role.QUALITY_MANAGER, owner)
    entry = EntryFactory(owners=[owner], status=EntryStatus.IN_REVIEW)
    entry_publish(entry=entry, user=reviewer, change_kind="major", change_note="Première version.")
    entry.refresh_from_db()
    entry.advice = "Un meilleur conseil."
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    assert entry.current_version.content["advice"] != "Un meilleur conseil."
    with pytest.raises(ValidationError):
        entry_publish(entry=entry, user=reviewer, change_kind="minor", change_note="  ")
    second = entry_publish(
        entry=entry, user=reviewer, change_kind="minor", change_note="Conseil reformulé."
    )
    assert second.number == 2
    assert second.content["advice"] == "Un meilleur conseil."
    assert list(entry.versions.values_list("number", flat=True)) == [2, 1]


def test_publication_sets_the_next_review_date_a_year_ahead():
    """A published entry must be re-read within a year of its last verification."""
    owner = StructureFactory()
    entry = EntryFactory(owners=[owner], status=EntryStatus.IN_REVIEW)
    entry_publish(
        entry=entry,
        user=member(Role.ADMINISTRATOR, owner),
        change_kind="major",
        change_note="v1",
        today=date(2026, 1, 10),
    )
    entry.refresh_from_db()
    assert entry.review_by == date(2026, 1, 10) + timedelta(days=365)
