"""`manage.py load_demo`: an idempotent, realistic demo world, refused on non-debug instances."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bonnefoi.accounts.models import Membership, Role, User
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures import demo
from bonnefoi.structures.models import Agent, AnonymityException, Structure, StructureKind

pytestmark = pytest.mark.django_db

MODELS = [Structure, Agent, User, Membership, AnonymityException, AuditLogEntry]


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loading_twice_changes_nothing_the_second_time():
    """A second run finds everything in place: same rows, and it says there is nothing to create."""
    _load("--force")
    first = _counts()
    output = _load("--force")
    assert _counts() == first
    assert "rien à créer" in output


def test_dry_run_writes_nothing():
    """--dry-run shows what would be created and leaves the database untouched."""
    output = _load("--force", "--dry-run")
    assert _counts() == dict.fromkeys(_counts(), 0)
    assert "Simulation : rien n'a été enregistré." in output
    assert "créerait : structure « CAF du Gard »" in output


def test_dry_run_after_a_load_reports_nothing_to_create():
    """A dry run on a loaded database neither writes nor announces anything new."""
    _load("--force")
    before = _counts()
    output = _load("--force", "--dry-run")
    assert _counts() == before
    assert "créerait" not in output


def test_refused_without_force_when_debug_is_off(settings):
    """Outside development (DEBUG off), the command refuses to run without --force."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        _load()
    assert Structure.objects.count() == 0


def test_runs_without_force_in_development(settings):
    """With DEBUG on, no --force is needed."""
    settings.DEBUG = True
    _load()
    assert Structure.objects.exists()


@pytest.fixture
def demo_world():
    return _load("--force")


def test_world_spans_three_networks(demo_world):
    """The demo holds at least three networks, each a root of the tree."""
    networks = Structure.objects.filter(kind=StructureKind.NETWORK)
    assert networks.count() >= 3
    assert all(network.parent_id is None for network in networks)


@pytest.mark.parametrize(
    ("territory", "matches"),
    [
        ("metropolitan France", lambda insee: insee[:2] not in {"57", "97"}),
        ("Moselle", lambda insee: insee.startswith("57")),
        ("overseas", lambda insee: insee.startswith("97")),
    ],
)
def test_world_covers_metropolitan_moselle_and_overseas(demo_world, territory, matches):
    """Structures sit in metropolitan France, in Moselle (local law) and overseas."""
    codes = Structure.objects.exclude(commune_insee="").values_list("commune_insee", flat=True)
    assert any(matches(code) for code in codes), territory


@pytest.mark.parametrize("role", list(Role))
def test_world_has_at_least_one_membership_per_role(demo_world, role):
    """Every role is held by at least one demo account, so each screen can be tried."""
    assert Membership.objects.active().filter(role=role).exists()


def test_world_has_exactly_one_agent_under_an_exception_in_force(demo_world):
    """Exactly one demo agent is under an anonymity exception in force today."""
    protected = Agent.objects.filter(
        anonymity_exceptions__in=AnonymityException.objects.in_force(timezone.localdate())
    ).distinct()
    assert [agent.user.email for agent in protected] == [demo.ANONYMOUS_AGENT_EMAIL]


def test_world_tree_is_consistent(demo_world):
    """Every demo structure respects the allowed parent kinds and its path nests in its parent's."""
    for structure in Structure.objects.select_related("parent"):
        structure.full_clean()
        if structure.parent:
            assert structure.path.startswith(structure.parent.path)


def test_output_lists_the_demo_logins(demo_world):
    """The command prints the password and every demo login with its role, superuser included."""
    assert demo.DEMO_PASSWORD in demo_world
    assert demo.SUPERUSER_EMAIL in demo_world
    for email, *_rest in demo.AGENTS:
        assert email in demo_world
    assert "Administrateur national" in demo_world
    assert "(à créer)" not in demo_world


def test_demo_accounts_can_sign_in(demo_world, client):
    """Demo logins work with the printed password."""
    email = demo.AGENTS[0][0]
    assert client.login(username=email, password=demo.DEMO_PASSWORD)
