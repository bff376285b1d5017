"""Shared world of the premises tests: the structure tree of tests/structures, the shipped
checklists synced (tests must not rely on the data migration: transactional tests flush it),
photos written to a temporary folder."""

import pytest

from bonnefoi.reception.models import ChecklistVersion
from bonnefoi.reception.services import checklists_sync
from tests.structures.conftest import Tree, build_tree, member  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _photo_root(settings, tmp_path):
    settings.RECEPTION_PHOTO_ROOT = tmp_path / "photos"


@pytest.fixture
def checklists(db) -> dict[int, ChecklistVersion]:
    checklists_sync()
    return {c.number: c for c in ChecklistVersion.objects.all()}


@pytest.fixture
def current(checklists) -> ChecklistVersion:
    return checklists[max(checklists)]


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()
