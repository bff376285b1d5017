"""Statistical disclosure control for published counts (pure Python, no Django).

A table of counts is a set of *cells* and a set of *lines*: a line is some cells and the total
they add up to (a row with its row total, a column with its column total, a breakdown with the
overall count). Three rules, applied until nothing changes:

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is never shown. Zero is shown:
   it tells that nothing was reported, which reveals nobody.
2. **Complementary suppression.** In a line whose total is shown, the hidden cells must be
   either none, or at least two adding up to ``threshold`` or more. Otherwise "total minus the
   shown cells" would give a hidden count back, or a hidden sum below the threshold. The line
   hides its smallest shown non-zero cell next (then a zero), and hides its total only when no
   cell is left to hide.
3. **Hidden totals stay hidden.** In a line whose total is hidden, at least one cell is hidden
   too: otherwise adding the shown cells would give the total back. This matters when a line's
   total is itself a cell of another line (a quarter hidden as a complement among the quarters
   of a year, whose months would all be shown).

Known limit: the rules protect against subtraction within one line. That is enough when every
line hangs below one top count, as for one structure in one year (the months of each quarter,
the quarters of the year, the months of the year, each breakdown of the year): a hidden count
can always move by one, balanced by a hidden partner in each line it belongs to, so the shown
counts never determine it. For a two-dimensional table (rows and columns sharing cells), a
reader solving the row and column equations together could in rare patterns narrow a cell down
further; ``statistics.py`` therefore never publishes such a table under these rules alone
(docs/adr/0008).
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    members: tuple[Hashable, ...]
    total: Hashable


def suppressed_cells(
    values: Mapping[Hashable, int],
    lines: Iterable[Line],
    threshold: int,
    unpublished: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The keys of ``values`` (cells and totals alike) that must not be published.

    ``unpublished`` are cells never shown whatever their value (a structure's own cases beside
    its children's, the tail of a ranking): they start hidden and count as hidden in every line,
    so a shown total minus the shown cells never isolates one sensitive count behind them."""
    if threshold < 2:
        raise ValueError("Le seuil de secret statistique doit valoir au moins 2.")
    lines = list(lines)
    for line in lines:
        missing = [key for key in (*line.members, line.total) if key not in values]
        if missing:
            raise KeyError(f"Cellules sans valeur : {missing!r}")
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    hidden.update(key for key in unpublished if key in values)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total in hidden:
                if line.members and not any(key in hidden for key in line.members):
                    hidden.add(_next_to_hide(line, values, hidden))
                    changed = True
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
