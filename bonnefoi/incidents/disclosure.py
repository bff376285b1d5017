"""Statistical disclosure control for published counts (pure Python, no Django).

A table of counts is a set of *cells* and a set of *lines*: a line is some cells and the total
they add up to (a row with its row total, a column with its column total, a breakdown with the
overall count). Two rules, applied until nothing changes:

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is never shown. Zero is shown:
   it tells that nothing was reported, which reveals nobody.
2. **Complementary suppression.** In a line whose total is shown, the hidden cells must be
   either none, or at least two adding up to ``threshold`` or more. Otherwise "total minus the
   shown cells" would give a hidden count back, or a hidden sum below the threshold. The line
   hides its smallest shown non-zero cell next (then a zero), and hides its total only when no
   cell is left to hide.

Known limit: the rules protect against subtraction within one line, and so against every
attack through a single row or column. A reader solving the row and column equations of a
two-dimensional table together could in rare patterns (a hidden cell that is the only link
between two groups of hidden cells) narrow a cell down further; docs/adr/0008 explains why
this is accepted for tables of a few dozen sites.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    members: tuple[Hashable, ...]
    total: Hashable


def suppressed_cells(
    values: Mapping[Hashable, int], lines: Iterable[Line], threshold: int
) -> set[Hashable]:
    """The keys of ``values`` (cells and totals alike) that must not be published."""
    if threshold < 2:
        raise ValueError("Le seuil de secret statistique doit valoir au moins 2.")
    lines = list(lines)
    for line in lines:
        missing = [key for key in (*line.members, line.total) if key not in values]
        if missing:
            raise KeyError(f"Cellules sans valeur : {missing!r}")
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total in hidden:
                continue
            while _exposed(line, values, hidden, threshold):
                hidden.add(_next_to_hide(line, values, hidden))
                changed = True
    return hidden


def _exposed(line: Line, values, hidden: set, threshold: int) -> bool:
    if line.total in hidden:
        return False
    hidden_members = [key for key in line.members if key in hidden]
    if not hidden_members:
        return False
    return len(hidden_members) < 2 or sum(values[key] for key in hidden_members) < threshold


def _next_to_hide(line: Line, values, hidden: set) -> Hashable:
    shown = [key for key in line.members if key not in hidden]
    if not shown:
        return line.total
    # Smallest non-zero first (it brings the hidden sum up), zeros last, ties in line order.
    return min(shown, key=lambda key: (values[key] == 0, values[key], line.members.index(key)))


def published(values: Mapping[Hashable, int], hidden: set) -> dict[Hashable, int | None]:
    """``values`` with every hidden count replaced by None."""
    return {key: (None if key in hidden else value) for key, value in values.items()}
