import pytest

from tests.structures.factories import AgentFactory, StructureFactory


@pytest.mark.django_db
def test_factories_build_a_coherent_tree():
    """A site made by the factory hangs under an administration under a network, paths nested."""
    site = StructureFactory(site=True)
    administration = site.parent
    network = administration.parent
    assert network.parent is None
    assert site.path.startswith(administration.path)
    assert administration.path.startswith(network.path)
    agent = AgentFactory(anonymous=True, structure=site)
    assert agent.anonymity_exceptions.count() == 1
