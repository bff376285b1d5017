"""The aggregates rebuilt from the cases, the votes and the search log match hand counts, on
SQLite and PostgreSQL alike."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from bonnefoi.advice.models import Feedback, ZeroResultSearch
from bonnefoi.cases.models import Case, CaseEvent, Decision, Outcome
from bonnefoi.observatory import refresh
from bonnefoi.observatory.models import (
    CaseCount,
    DecisionDelay,
    FeedbackCount,
    RefreshRun,
    ScopeLink,
    SearchGapCount,
)
from bonnefoi.observatory.selectors import Range, median_delay, totals
from bonnefoi.structures import services as structure_services
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.observatory.factories import case_row, local
from tests.structures.factories import AgentFactory, StructureFactory

pytestmark = pytest.mark.django_db

NOW = local(dt.date(2026, 3, 20), 12)


@pytest.fixture
def tree():
    """A network with two administrations; the Gard has one service."""
    network = StructureFactory(name="Réseau")
    gard = StructureFactory(kind="administration", parent=network, name="Gard")
    moselle = StructureFactory(kind="administration", parent=network, name="Moselle")
    service = StructureFactory(kind="service", parent=gard, name="Service du Gard")
    return network, gard, moselle, service


def received(scope, period, start, **filters):
    """Cases received in one stored period (a quarter: its three months)."""
    if period == "quarter":
        return sum(
            received(scope, "month", dt.date(start.year, start.month + i, 1), **filters)
            for i in range(3)
        )
    rows = CaseCount.objects.filter(scope=scope, period=period, start=start, **filters)
    return rows.aggregate(n=Sum("received"))["n"] or 0


def test_scope_links_cover_each_structure_its_ancestors_and_the_country(tree):
    """Every structure counts in itself, in each of its ancestors and in the country (null)."""
    network, gard, moselle, service = tree
    refresh.sync_scope_links()
    links = set(ScopeLink.objects.values_list("structure_id", "scope_id"))
    assert {(service.pk, s) for s in (service.pk, gard.pk, network.pk, None)} <= links
    assert (service.pk, moselle.pk) not in links
    assert len(links) == 4 + 3 + 3 + 2  # service, gard, moselle, network


def test_cases_count_in_their_local_week_month_and_quarter_and_every_scope_above(tree):
    """A case counts once in each scope above it, in the period of its local (Paris) day:
    23:30 on Sunday 1 March is still in the week of 23 February and in March."""
    network, gard, moselle, service = tree
    procedure, entry = ProcedureFactory(), EntryFactory()
    case_row(
        structure=service,
        procedure=procedure,
        entry=entry,
        submitted=local(dt.date(2026, 3, 1), 23, 30),
    )
    case_row(structure=service, procedure=procedure, submitted=local(dt.date(2026, 3, 2), 0, 30))
    case_row(
        structure=moselle, procedure=procedure, entry=entry, submitted=local(dt.date(2026, 2, 27))
    )
    refresh.rebuild(now=NOW)

    week_0223, week_0302 = dt.date(2026, 2, 23), dt.date(2026, 3, 2)
    assert received(service, "week", week_0223) == 1
    assert received(service, "week", week_0302) == 1
    assert received(gard, "week", week_0223) == 1
    assert received(moselle, "week", week_0223) == 1
    assert received(network, "week", week_0223) == 2
    assert received(None, "week", week_0223) == 2
    assert received(network, "month", dt.date(2026, 3, 1)) == 2
    assert received(network, "month", dt.date(2026, 2, 1)) == 1
    assert received(None, "quarter", dt.date(2026, 1, 1)) == 3
    assert received(None, "quarter", dt.date(2026, 1, 1), entry=entry) == 2
    assert received(None, "quarter", dt.date(2026, 1, 1), entry__isnull=True) == 1
    assert received(moselle, "quarter", dt.date(2026, 1, 1), entry=entry) == 1


def test_decisions_count_by_decision_day_with_outcomes_and_waived_sanctions(tree):
    """Decided, granted and waived count on the decision day; a sanction is waived when the
    right to error is granted and the agent recorded the sanction at stake."""
    network, gard, _moselle, _service = tree
    procedure = ProcedureFactory()
    submitted = local(dt.date(2026, 1, 20))
    decided = local(dt.date(2026, 2, 10))
    case_row(
        structure=gard,
        procedure=procedure,
        submitted=submitted,
        decided=decided,
        sanction=Decimal("150.00"),
    )
    case_row(structure=gard, procedure=procedure, submitted=submitted, decided=decided)
    case_row(
        structure=gard,
        procedure=procedure,
        submitted=submitted,
        decided=decided,
        outcome=Outcome.BAD_FAITH,
        sanction=Decimal("400"),
    )
    case_row(
        structure=gard,
        procedure=procedure,
        submitted=submitted,
        decided=decided,
        outcome=Outcome.NOT_APPLICABLE,
    )
    refresh.rebuild(now=NOW)

    february = CaseCount.objects.get(scope=gard, period="month", start=dt.date(2026, 2, 1))
    assert (february.received, february.decided, february.granted, february.waived) == (0, 4, 2, 1)
    assert february.waived_amount == Decimal("150.00")
    january = CaseCount.objects.get(scope=gard, period="month", start=dt.date(2026, 1, 1))
    assert (january.received, january.decided) == (4, 0)
    span = Range("month", dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    figures = totals(network, span)
    assert (figures.received, figures.decided, figures.granted) == (4, 4, 2)
    assert figures.granted_share == Decimal("50.0")


def test_median_delay_is_exact_from_the_day_histogram(tree):
    """Decisions 3, 5, 5, 10 and 30 days after submission (local days) have a median of 5."""
    _network, gard, _moselle, service = tree
    procedure = ProcedureFactory()
    for days in (3, 5, 5, 10, 30):
        submitted = local(dt.date(2026, 1, 5), 23, 50)
        case_row(
            structure=service,
            procedure=procedure,
            submitted=submitted,
            decided=local(dt.date(2026, 1, 5) + dt.timedelta(days=days), 0, 10),
        )
    refresh.rebuild(now=NOW)

    histogram = dict(
        DecisionDelay.objects.filter(scope=gard, period="month")
        .values("days")
        .annotate(n=Sum("decisions"))
        .values_list("days", "n")
    )
    assert histogram == {3: 1, 5: 2, 10: 1, 30: 1}
    delay = median_delay(None, Range("quarter", dt.date(2026, 1, 1), dt.date(2026, 1, 1)))
    assert (delay.decisions, delay.median_days) == (5, 5)


def test_votes_and_zero_result_searches_are_counted_per_period(tree):
    """Votes count per entry and period; searches without result count in the scopes of the
    administration searched, and in the country whatever the administration."""
    network, gard, _moselle, _service = tree
    entry = EntryFactory()
    for useful, day in ((True, 2), (False, 3), (False, 20)):
        vote = Feedback.objects.create(entry=entry, version_number=1, useful=useful)
        Feedback.objects.filter(pk=vote.pk).update(created_on=dt.date(2026, 3, day))
    for owner, day in ((gard, 4), (gard, 5), (None, 5)):
        search = ZeroResultSearch.objects.create(query="prime de noel", owner=owner)
        ZeroResultSearch.objects.filter(pk=search.pk).update(searched_on=dt.date(2026, 3, day))
    refresh.rebuild(now=NOW)

    march = FeedbackCount.objects.get(period="month", start=dt.date(2026, 3, 1), entry=entry)
    assert (march.useful, march.not_useful) == (1, 2)
    week = FeedbackCount.objects.get(period="week", start=dt.date(2026, 3, 2), entry=entry)
    assert (week.useful, week.not_useful) == (1, 1)
    gaps = dict(
        SearchGapCount.objects.filter(period="month", start=dt.date(2026, 3, 1))
        .values("scope")
        .annotate(n=Sum("searches"))
        .values_list("scope", "n")
    )
    assert gaps == {gard.pk: 2, network.pk: 2, None: 3}


def test_incremental_rebuild_recounts_only_the_periods_of_changed_cases(tree):
    """After a first rebuild, tagging an old case and adding a new one recounts their two days
    only, and the rollups take the difference: the tag moves one case between two rows."""
    _network, gard, _moselle, _service = tree
    procedure, entry = ProcedureFactory(), EntryFactory()
    old = case_row(structure=gard, procedure=procedure, submitted=local(dt.date(2025, 11, 12)))
    case_row(structure=gard, procedure=procedure, submitted=local(dt.date(2026, 1, 7)))
    refresh.rebuild(now=local(dt.date(2026, 3, 1)))

    Case.objects.filter(pk=old.pk).update(entry=entry, updated_at=local(dt.date(2026, 3, 2), 9))
    case_row(structure=gard, procedure=procedure, submitted=local(dt.date(2026, 3, 2), 11))
    result = refresh.rebuild(now=local(dt.date(2026, 3, 2), 12))

    assert result.kind == "incremental"
    assert result.case_days == [dt.date(2025, 11, 12), dt.date(2026, 3, 2)]
    assert received(gard, "month", dt.date(2025, 11, 1), entry=entry) == 1
    assert received(gard, "month", dt.date(2026, 3, 1)) == 1
    assert received(gard, "month", dt.date(2026, 1, 1)) == 1
    assert received(None, "quarter", dt.date(2026, 1, 1)) == 2


def test_incremental_rebuild_with_nothing_changed_rewrites_nothing(tree):
    """A rebuild right after another, with no change, recounts no day and no period."""
    _network, gard, _moselle, _service = tree
    case_row(structure=gard, procedure=ProcedureFactory(), submitted=local(dt.date(2026, 1, 7)))
    refresh.rebuild(now=local(dt.date(2026, 3, 1), 12))
    result = refresh.rebuild(now=local(dt.date(2026, 3, 1), 13))
    assert result.kind == "incremental"
    assert result.period_count == 0
    assert RefreshRun.objects.filter(finished_at__isnull=False).count() == 2


def test_a_moved_structure_triggers_a_full_rebuild(tree):
    """When the tree changes, counts move to the new ancestors at the next rebuild."""
    _network, gard, moselle, service = tree
    case_row(structure=service, procedure=ProcedureFactory(), submitted=local(dt.date(2026, 1, 7)))
    refresh.rebuild(now=local(dt.date(2026, 3, 1), 12))
    structure_services.structure_move(actor=None, structure=service, new_parent=moselle)

    result = refresh.rebuild(now=local(dt.date(2026, 3, 1), 13))
    assert result.kind == "full"
    assert result.tree_changed
    assert received(moselle, "month", dt.date(2026, 1, 1)) == 1
    assert received(gard, "month", dt.date(2026, 1, 1)) == 0


def test_periods_before_the_retention_horizon_are_frozen(tree, settings):
    """Counts of a period older than CASE_RETENTION_DAYS survive the purge of its cases: a full
    rebuild leaves them; only a rebuild of everything rewrites them."""
    settings.CASE_RETENTION_DAYS = 60
    _network, gard, _moselle, _service = tree
    procedure = ProcedureFactory()
    purged = case_row(structure=gard, procedure=procedure, submitted=local(dt.date(2025, 6, 10)))
    case_row(structure=gard, procedure=procedure, submitted=local(dt.date(2026, 2, 10)))
    refresh.rebuild(now=NOW)  # the first rebuild counts everything
    Case.objects.filter(pk=purged.pk).delete()

    refresh.rebuild(full=True, now=NOW)
    assert received(gard, "month", dt.date(2025, 6, 1)) == 1
    assert received(gard, "month", dt.date(2026, 2, 1)) == 1

    refresh.rebuild(everything=True, now=NOW)
    assert received(gard, "month", dt.date(2025, 6, 1)) == 0


def test_planned_lists_the_periods_without_writing(tree):
    """`planned` (the command's --dry-run) says what a rebuild would recount and writes nothing."""
    _network, gard, _moselle, _service = tree
    case_row(structure=gard, procedure=ProcedureFactory(), submitted=local(dt.date(2026, 3, 10)))
    plan = refresh.planned(now=NOW)
    assert ("day", dt.date(2026, 3, 10)) in plan["cases"]
    assert not CaseCount.objects.exists()
    assert not RefreshRun.objects.exists()


def _snapshot():
    """Every non-zero rollup row, keyed (scope, period, start, ...), as comparable tuples."""
    counts = {
        (row.scope_key, row.period, row.start, row.procedure_id, row.entry_key): (
            row.received,
            row.decided,
            row.granted,
            row.waived,
            Decimal(row.waived_amount).quantize(Decimal("0.01")),
        )
        for row in CaseCount.objects.all()
        if (row.received, row.decided, row.granted, row.waived) != (0, 0, 0, 0)
    }
    delays = {
        (row.scope_key, row.period, row.start, row.days): row.decisions
        for row in DecisionDelay.objects.all()
        if row.decisions
    }
    return counts, delays


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_rebuilds_give_the_same_figures_as_a_full_one(tree, seed):
    """Whatever happens to the cases between two rebuilds (new cases, late tags, decisions,
    redirections), adding each changed day's difference gives exactly the rollups a rebuild
    from nothing gives."""
    rng = random.Random(seed)
    _, gard, moselle, service = tree
    procedures = [ProcedureFactory(), ProcedureFactory()]
    entries = [EntryFactory(), EntryFactory(), None]
    structures = [gard, moselle, service]
    start = dt.date(2026, 1, 1)
    cases = [
        case_row(
            structure=rng.choice(structures),
            procedure=rng.choice(procedures),
            entry=rng.choice(entries),
            submitted=local(start + dt.timedelta(days=rng.randrange(60)), rng.randrange(24)),
        )
        for _ in range(40)
    ]
    refresh.rebuild(now=local(dt.date(2026, 3, 5), 12))

    for step in range(3):
        now = local(dt.date(2026, 3, 6 + step), 12)
        touched = local(dt.date(2026, 3, 6 + step), 9)
        for case in rng.sample(cases, 8):
            change = rng.choice(["tag", "move", "decide"])
            if change == "tag":
                Case.objects.filter(pk=case.pk).update(
                    entry=rng.choice(entries), updated_at=touched
                )
            elif change == "move":
                Case.objects.filter(pk=case.pk).update(
                    structure=rng.choice(structures), updated_at=touched
                )
            elif not Case.objects.filter(pk=case.pk, decided_at__isnull=False).exists():
                case.refresh_from_db()
                Decision.objects.create(
                    case=case,
                    agent=AgentFactory(structure=case.structure),
                    outcome=rng.choice([Outcome.GRANTED, Outcome.NOT_APPLICABLE]),
                    situation={},
                    engine={},
                    follows_engine=True,
                    motivation="Motivation.",
                    sanction_amount_eur=rng.choice([None, Decimal("80.00")]),
                )
                Case.objects.filter(pk=case.pk).update(
                    decided_at=local(dt.date(2026, 3, 6 + step), 8), updated_at=touched
                )
        cases.append(
            case_row(
                structure=rng.choice(structures),
                procedure=rng.choice(procedures),
                entry=rng.choice(entries),
                submitted=local(dt.date(2026, 3, 6 + step), 10),
            )
        )
        assert refresh.rebuild(now=now).kind == "incremental"

    incremental = _snapshot()
    refresh.rebuild(everything=True, now=local(dt.date(2026, 3, 9), 12))
    assert incremental == _snapshot()


@pytest.mark.parametrize(
    ("event", "decided_now", "expected"),
    [
        (None, True, ["decision"]),  # a decision: only its day's decision counts change
        ("message_to_person", False, []),  # a message changes no count
        ("tagged", False, ["submission"]),  # a late tag moves the case between errors
        ("tagged", True, ["submission", "decision"]),  # tagged while deciding
        ("redirected", False, ["submission"]),
        (None, False, ["submission"]),  # changed outside the services: recounted to be safe
    ],
)
def test_changed_days_follow_what_the_history_says(tree, event, decided_now, expected):
    """The days an incremental rebuild recounts come from what changed: new decisions give
    their decision day, tags and redirections (or an untraced edit) the submission day too,
    and a message nothing."""
    _, gard, _, _ = tree
    submitted = local(dt.date(2026, 1, 7))
    case = case_row(structure=gard, procedure=ProcedureFactory(), submitted=submitted)
    refresh.rebuild(now=local(dt.date(2026, 3, 1), 12))
    touched = local(dt.date(2026, 3, 2), 9)
    if decided_now:
        Case.objects.filter(pk=case.pk).update(decided_at=touched)
    Case.objects.filter(pk=case.pk).update(updated_at=touched)
    if event:
        CaseEvent.objects.create(case=case, kind=event)
        CaseEvent.objects.filter(case=case).update(at=touched)
    days = {"submission": dt.date(2026, 1, 7), "decision": dt.date(2026, 3, 2)}
    planned = refresh.planned(now=local(dt.date(2026, 3, 2), 12))["cases"]
    assert planned == [("day", days[name]) for name in expected]
