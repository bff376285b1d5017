"""The structure tree of tests/structures, shared with the training tests."""

from tests.structures.conftest import member, tree  # noqa: F401 - fixtures
