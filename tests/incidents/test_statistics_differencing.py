"""Statistical secret across tables: no hidden count can be recovered by combining everything a
user may read for a period - the tables of every structure of their perimeter (per month,
quarter and year) and the yearly report of every site - not only by subtracting within one line.

A reader who knows every published figure knows, for each, which reports it adds up (the
structures of the rows, the months of the columns) and how many there are. A hidden figure is
recovered exactly when it is a linear combination of published ones: ``Span`` checks this with
exact fractions over the unknown counts (one per structure and month of the year studied, one per
structure and year for the other years of the per-year table).
"""

import datetime as dt
import zoneinfo
from fractions import Fraction

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from bonnefoi.accounts.models import Role
from bonnefoi.incidents.models import Gravity
from bonnefoi.incidents.statistics import (
    Period,
    period_grid,
    period_table,
    site_statistics,
    structure_breakdowns,
    structure_year,
)
from bonnefoi.reception.report import site_report
from tests.accounts.factories import MembershipFactory
from tests.incidents.factories import IncidentReportFactory
from tests.structures.factories import AgentFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
YEAR = 2025
PERIODS = (Period.MONTH, Period.QUARTER, Period.YEAR)


class Span:
    """The linear span of published figures, each a set of unknowns (coefficients 1)."""

    def __init__(self):
        self.rows: list[tuple[object, dict]] = []  # (pivot, row with row[pivot] == 1)

    def _reduce(self, vector) -> dict:
        rest = {atom: Fraction(1) for atom in vector}
        for pivot, row in self.rows:
            factor = rest.get(pivot)
            if factor:
                for atom, coefficient in row.items():
                    value = rest.get(atom, 0) - factor * coefficient
                    if value:
                        rest[atom] = value
                    else:
                        rest.pop(atom, None)
        return rest

    def add(self, vector) -> None:
        rest = self._reduce(vector)
        if rest:
            pivot = next(iter(rest))
            self.rows.append((pivot, {atom: c / rest[pivot] for atom, c in rest.items()}))

    def determines(self, vector) -> bool:
        return not self._reduce(vector)


def atoms(structure, year: int, months) -> frozenset:
    """The unknowns a figure of ``structure`` adds up: its months of YEAR, or its whole year."""
    if year == YEAR:
        return frozenset((structure, year, m) for m in months)
    return frozenset({(structure, year, 0)})


ALL_MONTHS = range(1, 13)


def cell_atoms(structure, period: str, column: int) -> frozenset:
    if period == Period.MONTH:
        return atoms(structure, YEAR, [column + 1])
    if period == Period.QUARTER:
        return atoms(structure, YEAR, range(3 * column + 1, 3 * column + 4))
    return atoms(structure, YEAR - 4 + column, ALL_MONTHS)


def grid_figures(structures, grid, period: str):
    """(unknowns, published value or None) of every number of a grid, margins included."""
    figures = []
    for structure, cells, row_total in zip(structures, grid.cells, grid.row_totals, strict=True):
        row = frozenset()
        for column, value in enumerate(cells):
            vector = cell_atoms(structure, period, column)
            figures.append((vector, value))
            row |= vector
        figures.append((row, row_total))
    for column, value in enumerate(grid.column_totals):
        vector = frozenset().union(*(cell_atoms(s, period, column) for s in structures))
        figures.append((vector, value))
    everything = frozenset().union(*(vector for vector, _value in figures))
    figures.append((everything, grid.total))
    return figures


def assert_nothing_recoverable(figures, truth) -> None:
    """Every shown figure is exact, and no hidden one is a combination of the shown ones."""
    span = Span()
    for vector, value in figures:
        if value is not None:
            assert value == sum(truth.get(atom, 0) for atom in vector)
            span.add(vector)
    for vector, value in figures:
        if value is None:
            assert not span.determines(vector), f"recoverable: {sorted(vector)}"


# --- the A/B/P scenario, on the database -------------------------------------------------------


def at(month: int, day: int = 10):
    return dt.datetime(YEAR, month, day, 10, tzinfo=PARIS)


@pytest.fixture
def abp(world):
    """P = the Gard service with sites A = Alès (3 reports, March) and B = Nîmes (30 reports:
    10 in January, 10 in March, 10 in July). Returns the true counts per unknown."""
    truth = {}
    for site, months in ((world.ales, {3: 3}), (world.nimes, {1: 10, 3: 10, 7: 10})):
        reporter = AgentFactory(structure=site).user
        for month, count in months.items():
            for _ in range(count):
                IncidentReportFactory(structure=site, reporter=reporter, occurred_at=at(month))
            truth[site.pk, YEAR, month] = count
    return truth


def table_figures(table):
    pks = [row.structure.pk for row in table.rows]

    class Published:
        cells = [row.cells for row in table.rows]
        row_totals = [row.total for row in table.rows]
        column_totals = table.column_totals
        total = table.total

    return grid_figures(pks, Published, table.period)


@pytest.mark.django_db
def test_subtracting_a_site_table_from_its_service_table_reveals_nothing(world, abp):
    """Table(P) must not show 33 when table(B) shows 30 (33 - 30 = A's 3): the total of P adds
    up a hidden part, so it is hidden; B's own figures are shown the same in both tables."""
    service = period_table(root=world.gard_service, year=YEAR, period=Period.MONTH, threshold=5)
    nimes = period_table(root=world.nimes, year=YEAR, period=Period.MONTH, threshold=5)
    assert nimes.total == 30
    assert service.total is None
    rows = {row.structure.pk: row for row in service.rows}
    assert rows[world.ales.pk].total is None
    assert rows[world.nimes.pk].total == 30
    assert rows[world.nimes.pk].cells == nimes.rows[0].cells
    assert service.column_totals[2] is None  # March: Alès' 3 is a part of it
    assert service.column_totals[0] == 10  # January: Nîmes only, Alès 0


@pytest.mark.django_db
def test_no_combination_of_tables_and_yearly_reports_recovers_a_hidden_count(world, abp):
    """Every table a national administrator may open for 2025 (each structure of the network as
    root, per month, quarter and year) and the yearly report of each site, taken together,
    determine no hidden count."""
    figures = []
    for root in (world.network, world.gard, world.gard_service, world.nimes, world.ales):
        for period in PERIODS:
            figures += table_figures(period_table(root=root, year=YEAR, period=period, threshold=5))
    for site in (world.nimes, world.ales):
        stats = site_statistics(site, YEAR, threshold=5)
        figures.append((atoms(site.pk, YEAR, ALL_MONTHS), stats["total"]))
    assert any(value is None for _vector, value in figures)
    assert_nothing_recoverable(figures, abp)


@pytest.mark.django_db
def test_yearly_report_total_agrees_with_the_tables(world, abp, settings):
    """The reception report of a site publishes the same yearly total as the site's row in
    every table (30 for Nîmes, hidden for Alès), and nothing that adds the two sites up."""
    settings.INCIDENTS_MIN_CELL_SIZE = 5
    assert site_report(world.nimes, YEAR)["incidents"]["total"] == 30
    assert site_report(world.ales, YEAR)["incidents"]["total"] is None
    table = period_table(root=world.gard, year=YEAR, period=Period.QUARTER)
    assert [row.total for row in table.rows] == [30, None]
    assert table.total is None


@pytest.mark.django_db
def test_statistics_page_states_the_rule_across_tables(client, world, abp):
    """The statistics page says that a total over several structures or years is shown only
    when every number it adds up is shown."""
    user = MembershipFactory(role=Role.QUALITY_MANAGER, structure=world.gard).user
    client.force_login(user)
    response = client.get(
        reverse("incidents:statistics"), {"structure": world.gard_service.pk, "year": YEAR}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "plusieurs structures ou plusieurs années" in body
    assert "ne fait donc retrouver aucun nombre masqué" in body


# --- the same property on random trees, without the database -----------------------------------

# P (holds reports itself) -> A, B, Q; Q (holds reports itself) -> C.
TREE = {"P": ["P", "A", "B", "Q", "C"], "Q": ["Q", "C"], "A": ["A"], "B": ["B"], "C": ["C"]}
STRUCTURES = TREE["P"]
small_counts = st.sampled_from([0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 9, 14])
months = st.lists(small_counts, min_size=12, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    this_year=st.fixed_dictionaries(dict.fromkeys(STRUCTURES, months)),
    last_year=st.fixed_dictionaries(dict.fromkeys(STRUCTURES, months)),
    threshold=st.integers(min_value=2, max_value=6),
)
def test_random_trees_give_no_hidden_count_back(this_year, last_year, threshold):
    """On random counts of a two-level tree, the month, quarter and year tables of every root
    together determine no hidden count, and every shown count is exact."""
    truth = {}
    monthly = {}
    for structure in STRUCTURES:
        monthly[structure] = {}
        for m in ALL_MONTHS:
            monthly[structure][YEAR, m] = this_year[structure][m - 1]
            monthly[structure][YEAR - 1, m] = last_year[structure][m - 1]
            truth[structure, YEAR, m] = this_year[structure][m - 1]
        truth[structure, YEAR - 1, 0] = sum(last_year[structure])
    figures = []
    for rows in TREE.values():
        for period in PERIODS:
            grid = period_grid(
                [monthly[s] for s in rows], year=YEAR, period=period, threshold=threshold
            )
            figures += grid_figures(rows, grid, period)
    assert_nothing_recoverable(figures, truth)


@settings(max_examples=300, deadline=None)
@given(
    counts=months,
    gravity=st.lists(small_counts, min_size=4, max_size=4),
    threshold=st.integers(min_value=2, max_value=10),
)
def test_a_structure_year_hides_its_total_only_when_small(counts, gravity, threshold):
    """The year of one structure is hidden exactly when it is from 1 to threshold - 1, both
    among its months (the tables) and among its breakdowns (the yearly report), so the two always
    agree on it; shown numbers are exact and small ones hidden."""
    shown = structure_year(counts, threshold)
    assert (shown["year"] is None) == (0 < sum(counts) < threshold)
    for m in ALL_MONTHS:
        assert shown["month", m] in (None, counts[m - 1])
        if 0 < counts[m - 1] < threshold:
            assert shown["month", m] is None
    keys = [("gravity", key) for key in Gravity.values]
    breakdowns = structure_breakdowns(
        sum(gravity), dict(zip(keys, gravity, strict=True)), threshold
    )
    assert (breakdowns["total"] is None) == (0 < sum(gravity) < threshold)
    for key, count in zip(keys, gravity, strict=True):
        assert breakdowns[key] in (None, count)
