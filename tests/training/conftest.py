"""The structure tree of tests/structures, shared with the training tests; attestations are
written to a temporary directory, never to var/."""

import pytest

from tests.structures.conftest import member, tree  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    """TRAINING_EVIDENCE_ROOT points to a directory of the test's own (read at each use)."""
    settings.TRAINING_EVIDENCE_ROOT = tmp_path / "training-evidence"
    return settings.TRAINING_EVIDENCE_ROOT
