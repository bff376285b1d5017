"""Impact of an action against hand-counted tables: equal windows of whole weeks around the
completion week, cases per week or per 1,000 filings (prorated volumes, full coverage only),
provisional and not-yet-measurable results, entry and procedure filters.

Windows with OBSERVATORY_IMPACT_WEEKS = 4 and an action completed on Wednesday 11/03/2026
(transition week of Monday 09/03): before = 09/02 … 08/03, after = 16/03 … 12/04.

Cases of the plan's structure (weekly rows), entry A, procedure P:
    before weeks 09/02: 6, 16/02: 5, 23/02: 4, 02/03: 5  → 20
    transition week 09/03: 50 (never counted)
    after weeks 16/03: 2, 23/03: 3, 30/03: 1, 06/04: 2   → 8
    outside: 02/02: 100, 13/04: 100
Noise: entry B (not in the plan) 10 a week; entry A under procedure Q 7 a week; the national
row and the parent's row; monthly rows.
"""

import datetime as dt
from decimal import Decimal

import pytest

from bonnefoi.observatory.impact import PER_1000_FILINGS, PER_WEEK, action_impact, impact_windows
from bonnefoi.observatory.models import (
    Action,
    ActionKind,
    ActionPlan,
    ActionStatus,
    CaseCount,
    FilingVolume,
)
from tests.accounts.factories import UserFactory
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

D = dt.date
COMPLETED = D(2026, 3, 11)
FULL = D(2026, 4, 13)  # the fourth week after has ended
A_P = {
    D(2026, 2, 2): 100,
    D(2026, 2, 9): 6,
    D(2026, 2, 16): 5,
    D(2026, 2, 23): 4,
    D(2026, 3, 2): 5,
    D(2026, 3, 9): 50,
    D(2026, 3, 16): 2,
    D(2026, 3, 23): 3,
    D(2026, 3, 30): 1,
    D(2026, 4, 6): 2,
    D(2026, 4, 13): 100,
}


@pytest.fixture(autouse=True)
def _four_weeks(settings):
    settings.OBSERVATORY_IMPACT_WEEKS = 4


@pytest.fixture
def world(db):
    tree = build_tree()
    p, q = ProcedureFactory(), ProcedureFactory()
    a, b = EntryFactory(owners=[tree.gard]), EntryFactory(owners=[tree.gard])
    rows = []
    for start, n in A_P.items():
        rows.append(
            CaseCount(scope=tree.gard, period="week", start=start, procedure=p, entry=a, received=n)
        )
        rows.append(
            CaseCount(
                scope=tree.gard, period="week", start=start, procedure=p, entry=b, received=10
            )
        )
        rows.append(
            CaseCount(scope=tree.gard, period="week", start=start, procedure=q, entry=a, received=7)
        )
        rows.append(
            CaseCount(scope=None, period="week", start=start, procedure=p, entry=a, received=1000)
        )
        rows.append(
            CaseCount(
                scope=tree.network, period="week", start=start, procedure=p, entry=a, received=500
            )
        )
    rows.append(
        CaseCount(
            scope=tree.gard, period="month", start=D(2026, 3, 1), procedure=p, entry=a, received=900
        )
    )
    CaseCount.objects.bulk_create(rows)
    return {"tree": tree, "p": p, "q": q, "a": a, "b": b}


def done_action(world, *, entries=("a",), procedure="p", completed=COMPLETED):
    tree = world["tree"]
    plan = ActionPlan.objects.create(
        structure=tree.gard,
        title="Heures oubliées",
        problem="Beaucoup d'oublis.",
        procedure=world[procedure] if procedure else None,
        created_by=UserFactory(),
    )
    plan.entries.set([world[key] for key in entries])
    return Action.objects.create(
        plan=plan,
        kind=ActionKind.FORM,
        description="Ajouter une case.",
        owner=AgentFactory(structure=tree.nimes),
        due_on=completed,
        status=ActionStatus.DONE,
        completed_on=completed,
        evidence="Version 2 du formulaire.",
        public_summary="Le formulaire demande désormais les heures supplémentaires.",
    )


def volume(world, first, last, filings, *, structure=None, procedure="p"):
    FilingVolume.objects.create(
        structure=structure or world["tree"].gard,
        procedure=world[procedure],
        first_day=first,
        last_day=last,
        filings=filings,
        source="Extraction du système de gestion",
        recorded_by=UserFactory(),
    )


@pytest.mark.parametrize(
    ("completed", "today", "n", "before", "after"),
    [
        (
            D(2026, 3, 11),
            D(2026, 4, 13),
            4,
            (D(2026, 2, 9), D(2026, 3, 8)),
            (D(2026, 3, 16), D(2026, 4, 12)),
        ),
        (
            D(2026, 3, 11),
            D(2027, 1, 1),
            4,
            (D(2026, 2, 9), D(2026, 3, 8)),
            (D(2026, 3, 16), D(2026, 4, 12)),
        ),
        (
            D(2026, 3, 9),
            D(2026, 4, 12),
            3,
            (D(2026, 2, 16), D(2026, 3, 8)),
            (D(2026, 3, 16), D(2026, 4, 5)),
        ),
        (
            D(2026, 3, 15),
            D(2026, 3, 31),
            2,
            (D(2026, 2, 23), D(2026, 3, 8)),
            (D(2026, 3, 16), D(2026, 3, 29)),
        ),
        (
            D(2026, 3, 11),
            D(2026, 3, 23),
            1,
            (D(2026, 3, 2), D(2026, 3, 8)),
            (D(2026, 3, 16), D(2026, 3, 22)),
        ),
        (D(2026, 3, 11), D(2026, 3, 22), 0, None, None),
        (D(2026, 3, 11), D(2026, 3, 11), 0, None, None),
    ],
)
def test_windows(completed, today, n, before, after):
    """Whole ISO weeks; the completion week is left out; n = full weeks elapsed after it, at
    most W; both windows have n weeks."""
    weeks, got_before, got_after = impact_windows(completed, today, 4)
    assert weeks == n
    if n:
        assert (got_before.first, got_before.last) == before
        assert (got_after.first, got_after.last) == after
        assert got_before.days == got_after.days == 7 * n


def test_per_week_with_procedure(world):
    """No volume recorded: cases per week of entry A under procedure P: 20/4 = 5.00 before,
    8/4 = 2.00 after, -60.0 %."""
    impact = action_impact(done_action(world), today=FULL)
    assert impact.measurable
    assert not impact.provisional
    assert (impact.weeks, impact.basis) == (4, PER_WEEK)
    assert (impact.cases_before, impact.cases_after) == (20, 8)
    assert (impact.rate_before, impact.rate_after) == (Decimal("5.00"), Decimal("2.00"))
    assert impact.change_percent == Decimal("-60.0")
    assert (impact.filings_before, impact.filings_after) == (None, None)


def test_without_procedure_every_procedure_counts(world):
    """A plan without procedure counts entry A under P and Q: (20 + 28)/4 = 12.00 before,
    (8 + 28)/4 = 9.00 after, -25.0 %; volumes are then never used."""
    volume(world, D(2026, 1, 1), D(2026, 12, 31), 36_500)
    impact = action_impact(done_action(world, procedure=None), today=FULL)
    assert (impact.cases_before, impact.cases_after) == (48, 36)
    assert (impact.rate_before, impact.rate_after, impact.change_percent) == (
        Decimal("12.00"),
        Decimal("9.00"),
        Decimal("-25.0"),
    )
    assert impact.basis == PER_WEEK


def test_entry_filter(world):
    """Entries A and B: B adds 10 a week on each side: 60/4 and 48/4."""
    impact = action_impact(done_action(world, entries=("a", "b")), today=FULL)
    assert (impact.cases_before, impact.cases_after) == (60, 48)
    assert impact.change_percent == Decimal("-20.0")


def test_procedure_filter(world):
    """The plan on procedure Q counts only Q's rows: 7 a week on each side, no change."""
    impact = action_impact(done_action(world, procedure="q"), today=FULL)
    assert (impact.cases_before, impact.cases_after) == (28, 28)
    assert impact.change_percent == Decimal("0.0")


def test_per_1000_filings_with_proration(world):
    """Two records at 20 a day (February, 560) and 30 a day (March–April, 1,830). Before:
    20 days × 20 + 8 days × 30 = 640 filings; after: 28 × 30 = 840. Rates 1000·20/640 = 31.25
    and 1000·8/840 = 9.52; change (8/840 − 20/640)/(20/640) = −69.5 %."""
    volume(world, D(2026, 2, 1), D(2026, 2, 28), 560)
    volume(world, D(2026, 3, 1), D(2026, 4, 30), 1830)
    impact = action_impact(done_action(world), today=FULL)
    assert impact.basis == PER_1000_FILINGS
    assert (impact.filings_before, impact.filings_after) == (Decimal("640.00"), Decimal("840.00"))
    assert (impact.rate_before, impact.rate_after) == (Decimal("31.25"), Decimal("9.52"))
    assert impact.change_percent == Decimal("-69.5")


def test_uneven_proration(world):
    """One record of 100 filings over 3 days (08/03–10/03) shares one day with the before
    window: 33.33 filings there; the record of 350 over 01/02–07/03 (35 days, 10 a day)
    shares 27 days with it: 270 + 33.33 = 303.33 filings before."""
    volume(world, D(2026, 2, 1), D(2026, 3, 7), 350)
    volume(world, D(2026, 3, 8), D(2026, 3, 10), 100)
    volume(world, D(2026, 3, 11), D(2026, 4, 12), 330)
    impact = action_impact(done_action(world), today=FULL)
    assert impact.basis == PER_1000_FILINGS
    assert impact.filings_before == Decimal("303.33")
    assert impact.filings_after == Decimal("280.00")  # 28 of the record's 33 days at 10 a day


@pytest.mark.parametrize(
    "records",
    [
        # the last week of the after window is missing
        [(D(2026, 2, 1), D(2026, 3, 8), 350), (D(2026, 3, 16), D(2026, 4, 5), 210)],
        # one day missing in the before window
        [(D(2026, 2, 1), D(2026, 2, 20), 200), (D(2026, 2, 22), D(2026, 4, 30), 680)],
        # nothing for the after window
        [(D(2026, 2, 1), D(2026, 3, 8), 350)],
    ],
)
def test_partial_coverage_falls_back_to_per_week(world, records):
    """Volumes that leave any day of either window uncovered are not used: cases per week."""
    for first, last, n in records:
        volume(world, first, last, n)
    impact = action_impact(done_action(world), today=FULL)
    assert impact.basis == PER_WEEK
    assert (impact.rate_before, impact.rate_after) == (Decimal("5.00"), Decimal("2.00"))


def test_volumes_of_another_structure_or_procedure_are_ignored(world):
    """Only the plan's structure and procedure give the denominator."""
    volume(world, D(2026, 1, 1), D(2026, 12, 31), 3650, structure=world["tree"].network)
    volume(world, D(2026, 1, 1), D(2026, 12, 31), 3650, procedure="q")
    assert action_impact(done_action(world), today=FULL).basis == PER_WEEK


def test_provisional_with_equal_shorter_windows(world):
    """Two weeks elapsed after the transition week (today 31/03): before = 23/02 and 02/03
    (4 + 5 = 9), after = 16/03 and 23/03 (2 + 3 = 5); provisional."""
    impact = action_impact(done_action(world), today=D(2026, 3, 31))
    assert (impact.measurable, impact.provisional) == (True, True)
    assert (impact.weeks, impact.target_weeks) == (2, 4)
    assert (impact.cases_before, impact.cases_after) == (9, 5)
    assert (impact.rate_before, impact.rate_after) == (Decimal("4.50"), Decimal("2.50"))
    assert impact.change_percent == Decimal("-44.4")


def test_provisional_per_1000_filings(world):
    """The provisional windows take their own share of the volumes: 14 days at 10 a day."""
    volume(world, D(2026, 2, 1), D(2026, 4, 30), 890)
    impact = action_impact(done_action(world), today=D(2026, 3, 31))
    assert impact.basis == PER_1000_FILINGS
    assert (impact.filings_before, impact.filings_after) == (Decimal("140.00"), Decimal("140.00"))
    assert (impact.rate_before, impact.rate_after) == (Decimal("64.29"), Decimal("35.71"))


def test_not_measurable_yet(world):
    """The Sunday ending the first week after the transition week: nothing measurable yet."""
    impact = action_impact(done_action(world), today=D(2026, 3, 22))
    assert not impact.measurable
    assert "Pas encore mesurable" in impact.reason


def test_not_done_is_not_measurable(world):
    """An action in progress has no completion date: no impact."""
    action = done_action(world)
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.IN_PROGRESS, completed_on=None)
    action.refresh_from_db()
    assert not action_impact(action, today=FULL).measurable


def test_zero_cases_before_has_no_percentage(world):
    """No case before the action (entry B under Q has none): the change is not computable."""
    action = done_action(world, entries=("b",), procedure="q")
    impact = action_impact(action, today=FULL)
    assert (impact.cases_before, impact.rate_before, impact.change_percent) == (
        0,
        Decimal("0.00"),
        None,
    )
