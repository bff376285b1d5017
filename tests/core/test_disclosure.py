"""Statistical secret: no count from 1 to threshold-1 is published, and no hidden count can be
recovered by subtracting the shown cells of a line from its shown total."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonnefoi.core.disclosure import Line, published, suppressed_cells

K = 5


def table(grid: list[list[int]]):
    """Values and lines of a grid with row totals, column totals and a grand total."""
    values, lines = {}, []
    rows, cols = len(grid), len(grid[0])
    for r in range(rows):
        for c in range(cols):
            values["cell", r, c] = grid[r][c]
        values["row", r] = sum(grid[r])
        lines.append(Line(tuple(("cell", r, c) for c in range(cols)), ("row", r)))
    for c in range(cols):
        values["col", c] = sum(grid[r][c] for r in range(rows))
        lines.append(Line(tuple(("cell", r, c) for r in range(rows)), ("col", c)))
    values["total"] = sum(values["row", r] for r in range(rows))
    lines.append(Line(tuple(("row", r) for r in range(rows)), "total"))
    lines.append(Line(tuple(("col", c) for c in range(cols)), "total"))
    return values, lines


def assert_safe(values, lines, hidden, threshold):
    for key, value in values.items():
        if 0 < value < threshold:
            assert key in hidden, f"{key}={value} shown"
    for line in lines:
        if line.total in hidden:
            # A hidden total keeps a hidden cell, else adding the shown cells gives it back.
            assert not line.members or any(m in hidden for m in line.members), f"{line} adds up"
            continue
        members = [m for m in line.members if m in hidden]
        if members:
            assert len(members) >= 2, f"{line} hides one cell only"
            assert sum(values[m] for m in members) >= threshold, f"{line} hides a small sum"


def test_small_counts_are_hidden_and_zeros_shown():
    """1 to 4 are hidden, 0 and 5+ shown, in a line whose total is itself small enough to hide."""
    values = {"a": 0, "b": 3, "total": 3}
    hidden = suppressed_cells(values, [Line(("a", "b"), "total")], K)
    assert hidden == {"b", "total"}
    assert published(values, hidden) == {"a": 0, "b": None, "total": None}


def test_a_single_hidden_cell_gets_a_complement():
    """[2, 7, 9] with total 18: hiding 2 alone lets 18 - 7 - 9 give it back, so the smallest
    other non-zero cell (7) is hidden too; the hidden pair adds up to 9 >= 5."""
    values = {"a": 2, "b": 7, "c": 9, "total": 18}
    hidden = suppressed_cells(values, [Line(("a", "b", "c"), "total")], K)
    assert hidden == {"a", "b"}


def test_two_small_hidden_cells_need_a_third():
    """[1, 2, 0, 8] total 11: hiding 1 and 2 reveals they add up to 3 (< 5): 8 is hidden too,
    the zero stays shown."""
    values = {"a": 1, "b": 2, "c": 0, "d": 8, "total": 11}
    hidden = suppressed_cells(values, [Line(("a", "b", "c", "d"), "total")], K)
    assert hidden == {"a", "b", "d"}


def test_complementary_suppression_spreads_across_rows_and_columns():
    """A 2x2 grid with one small cell ends with a rectangle of four hidden cells: every row
    and column hides two cells, and the margins stay shown."""
    values, lines = table([[3, 10], [12, 20]])
    hidden = suppressed_cells(values, lines, K)
    assert {("cell", 0, 0), ("cell", 0, 1), ("cell", 1, 0), ("cell", 1, 1)} == hidden
    assert_safe(values, lines, hidden, K)


def test_the_total_is_hidden_only_when_nothing_else_can_be():
    """[1, 1] total 2: both cells and the total are small; nothing of the line is shown."""
    values = {"a": 1, "b": 1, "total": 2}
    assert suppressed_cells(values, [Line(("a", "b"), "total")], K) == {"a", "b", "total"}


def test_a_total_hidden_as_a_complement_keeps_a_hidden_cell():
    """Quarters [3, 10] of a year 13: 3 is hidden, 10 with it as a complement. The months of that
    second quarter (10, 0, 0) would add up to it: its 10 is hidden too."""
    values = {"q1": 3, "q2": 10, "year": 13, "m1": 3, "m2": 0, "m4": 10, "m5": 0}
    lines = [
        Line(("q1", "q2"), "year"),
        Line(("m1", "m2"), "q1"),
        Line(("m4", "m5"), "q2"),
    ]
    hidden = suppressed_cells(values, lines, K)
    assert hidden == {"q1", "q2", "m1", "m4"}
    assert_safe(values, lines, hidden, K)


@pytest.mark.parametrize("threshold", [0, 1])
def test_a_threshold_below_two_is_refused(threshold):
    """A threshold of 0 or 1 would publish every count: refused."""
    with pytest.raises(ValueError, match="au moins 2"):
        suppressed_cells({"a": 1, "t": 1}, [Line(("a",), "t")], threshold)


grids = st.integers(min_value=1, max_value=5).flatmap(
    lambda rows: st.integers(min_value=1, max_value=6).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=12), min_size=cols, max_size=cols),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(grid=grids, threshold=st.integers(min_value=2, max_value=10))
def test_no_line_ever_gives_a_hidden_count_back(grid, threshold):
    """On any table, every small count is hidden and every line with a shown total hides
    either nothing or at least two cells adding up to the threshold."""
    values, lines = table(grid)
    hidden = suppressed_cells(values, lines, threshold)
    assert_safe(values, lines, hidden, threshold)


@settings(max_examples=200, deadline=None)
@given(grid=grids)
def test_counts_at_or_above_the_threshold_in_safe_tables_stay_shown(grid):
    """When no count is small, nothing at all is hidden (no needless suppression)."""
    big = [[value + K for value in row] for row in grid]
    values, lines = table(big)
    assert suppressed_cells(values, lines, K) == set()
