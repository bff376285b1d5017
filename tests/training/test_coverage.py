"""``coverage(structure, on_date)``: shares of front-line agents and managers trained on each
mandatory module of a subtree, overdue refreshers, and the definitions behind them."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.structures.models import Agent
from bonnefoi.training.models import Completion, TrainingModule, add_months
from bonnefoi.training.selectors import coverage, overdue_refreshers
from tests.structures.factories import AgentFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _row(result: dict, code: str) -> dict:
    return next(row for row in result["modules"] if row["code"] == code)


@pytest.fixture
def module(tree):
    return ModuleFactory(code="accueil-test", refresher_months=12)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2025, 3, 15), 12, dt.date(2026, 3, 15)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    """Refresher periods are counted in calendar months, clamped like a human would."""
    assert add_months(day, months) == expected


def test_shares_per_population_with_trained_overdue_and_never(tree, module):
    """Two front-line agents out of three are trained, one is overdue; the manager counts in
    the managers' population; an agent who is neither is left out."""
    today = TODAY()
    trained = AgentFactory(structure=tree.nimes)
    overdue = AgentFactory(structure=tree.ales)
    AgentFactory(structure=tree.nimes)  # never trained
    boss = AgentFactory(structure=tree.gard)
    Agent.objects.filter(pk=boss.pk).update(front_line=False, manager=True)
    outsider = AgentFactory(structure=tree.gard)
    Agent.objects.filter(pk=outsider.pk).update(front_line=False, manager=False)
    CompletionFactory(agent=trained, module=module, completed_on=today - dt.timedelta(days=10))
    CompletionFactory(agent=overdue, module=module, completed_on=today - dt.timedelta(days=400))
    CompletionFactory(agent=boss, module=module, completed_on=today - dt.timedelta(days=3))
    CompletionFactory(agent=outsider, module=module, completed_on=today - dt.timedelta(days=3))

    result = coverage(tree.gard, today)

    row = _row(result, "accueil-test")
    assert row["front_line"] == {
        "total": 3,
        "trained": 1,
        "overdue": 1,
        "never_trained": 1,
        "share": round(1 / 3, 4),
    }
    assert row["managers"] == {
        "total": 1,
        "trained": 1,
        "overdue": 0,
        "never_trained": 0,
        "share": 1.0,
    }
    assert result["front_line_agents"] == 3
    assert result["managers"] == 1
    assert result["on_date"] == today


def test_subtree_only(tree, module):
    """Agents of a sibling administration or another network do not count."""
    AgentFactory(structure=tree.metz)
    AgentFactory(structure=tree.other_site)
    inside = AgentFactory(structure=tree.nimes)
    CompletionFactory(agent=inside, module=module)
    row = _row(coverage(tree.gard, TODAY()), "accueil-test")
    assert row["front_line"]["total"] == 1
    assert row["front_line"]["trained"] == 1


def test_date_in_the_past_ignores_later_completions_and_expiry_is_day_exact(tree, module):
    """On a past date, later completions do not count; a 12-month completion is valid through
    the day before its anniversary and overdue on the anniversary."""
    agent = AgentFactory(structure=tree.nimes)
    completed = TODAY() - dt.timedelta(days=800)
    CompletionFactory(agent=agent, module=module, completed_on=completed)
    CompletionFactory(agent=agent, module=module, completed_on=TODAY() - dt.timedelta(days=5))
    Agent.objects.filter(pk=agent.pk).update(created_at=timezone.now() - dt.timedelta(days=900))
    anniversary = add_months(completed, 12)

    before = _row(coverage(tree.gard, anniversary - dt.timedelta(days=1)), "accueil-test")
    on = _row(coverage(tree.gard, anniversary), "accueil-test")
    now = _row(coverage(tree.gard, TODAY()), "accueil-test")

    assert before["front_line"]["trained"] == 1
    assert on["front_line"]["overdue"] == 1
    assert now["front_line"]["trained"] == 1


def test_agents_created_after_the_date_are_not_counted(tree, module):
    """An agent who joined after the date is not part of that day's population."""
    AgentFactory(structure=tree.nimes)
    row = _row(coverage(tree.gard, TODAY() - dt.timedelta(days=1)), "accueil-test")
    assert row["front_line"]["total"] == 0
    assert row["front_line"]["share"] is None


def test_only_mandatory_modules_and_structure_modules_of_ancestors(tree, module):
    """Optional modules are not in the coverage; a mandatory module added by the Gard is in the
    Gard's coverage and its sites', not in the Moselle's or the network's."""
    ModuleFactory(code="facultatif", mandatory=False)
    ModuleFactory(code="module-gard", owner=tree.gard)
    codes = {row["code"] for row in coverage(tree.gard, TODAY())["modules"]}
    assert "facultatif" not in codes
    assert {"accueil-test", "module-gard"} <= codes
    assert "module-gard" in {row["code"] for row in coverage(tree.nimes, TODAY())["modules"]}
    assert "module-gard" not in {row["code"] for row in coverage(tree.moselle, TODAY())["modules"]}
    assert "module-gard" not in {row["code"] for row in coverage(tree.network, TODAY())["modules"]}


def test_platform_catalogue_mandatory_modules_are_in_every_coverage(tree):
    """The three modules of engagement n°1 come with the platform, with their basis as data."""
    codes = {row["code"]: row for row in coverage(tree.network, TODAY())["modules"]}
    assert {"essoc-droit-a-l-erreur", "accueil-bienveillant", "incivilites"} <= set(codes)
    for code in ("essoc-droit-a-l-erreur", "accueil-bienveillant", "incivilites"):
        assert codes[code]["basis_url"].startswith("https://")
        assert codes[code]["basis_label"]


def test_inactive_accounts_are_left_out(tree, module):
    """An agent whose account is deactivated has left: not in the population."""
    agent = AgentFactory(structure=tree.nimes)
    agent.user.is_active = False
    agent.user.save()
    assert _row(coverage(tree.gard, TODAY()), "accueil-test")["front_line"]["total"] == 0


def test_overdue_refreshers_lists_agents_oldest_expiry_first(tree, module):
    """The page's list names each overdue (agent, module) with the day it expired."""
    first = AgentFactory(structure=tree.nimes, last_name="Arnaud")
    second = AgentFactory(structure=tree.ales, last_name="Blanc")
    CompletionFactory(agent=first, module=module, completed_on=TODAY() - dt.timedelta(days=500))
    CompletionFactory(agent=second, module=module, completed_on=TODAY() - dt.timedelta(days=700))
    rows = [row for row in overdue_refreshers(tree.gard, TODAY()) if row["module"] == module]
    assert [row["agent"] for row in rows] == [second, first]
    assert rows[0]["expired_on"] == add_months(rows[0]["last_completed_on"], 12)


def test_coverage_query_count_does_not_grow_with_agents(
    tree, module, django_assert_max_num_queries
):
    """Coverage reads agents, modules and latest completions in a few queries, whatever the
    number of agents (the yearly report computes it per site)."""
    for _ in range(15):
        CompletionFactory(agent=AgentFactory(structure=tree.nimes), module=module)
    with django_assert_max_num_queries(4):
        coverage(tree.gard, TODAY())
    assert Completion.objects.count() == 15
    assert TrainingModule.objects.filter(code="accueil-test").exists()
