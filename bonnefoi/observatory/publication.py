"""Publication of the public right-to-error indicators, under the statistical secret.

``publish()`` computes, for one window (the last twelve complete months), the public figures of
the whole country and of every structure whose subtree had a case in the window, from the
monthly aggregates only, and replaces the `PublishedFigure` snapshot in one transaction.

Statistical secret (``bonnefoi.core.disclosure``, threshold ``OBSERVATORY_MIN_CELL_SIZE``): no
count from 1 to threshold-1 is published, and every *line* below keeps its hidden cells either
absent or at least two adding up to the threshold, so that no subtraction gives one back:

* **tree**, for each count: subtree(S) = own(S) + Σ subtree(child), where own(S) (the cases
  handled by S itself) is never published (when it is zero, a subtraction giving it back
  reveals nobody, so it then counts as shown); national = Σ subtree(root network) + own(country)
  (zero unless a case has no structure);
* **outcome**: decided = granted + not granted, and granted = waived + granted without a
  recorded sanction (never published);
* **errors**: received = Σ errors(entry) over every entry + untagged cases, where the untagged
  cases and the errors beyond the scope's ten most frequent are never published; and for each
  entry, the tree lines of its counts.

All lines go into one ``suppressed_cells`` call, since they share cells. The known limit of
``disclosure`` applies: the scope × entry table is two-dimensional (rows: the error lines of
each scope, columns: the tree lines of each entry); the rules protect each line, not the joint
solution of all equations.

The most frequent errors of a scope are its ten entries with the most cases among those with at
least threshold cases. Shown ones are numbered 1, 2, … in order; hidden ones get no rank, so
their position between two shown counts does not bound them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from bonnefoi.core import page_cache
from bonnefoi.core.disclosure import Line, suppressed_cells
from bonnefoi.observatory.models import CaseCount, DecisionDelay, Measure, PublishedFigure
from bonnefoi.observatory.periods import MONTH
from bonnefoi.observatory.selectors import median_of
from bonnefoi.structures.models import Structure

NAMESPACE = "observatory"  # public page cache
TOP_ERRORS = 10
COUNTS = (
    Measure.RECEIVED,
    Measure.DECIDED,
    Measure.GRANTED,
    Measure.NOT_GRANTED,
    Measure.WAIVED,
)
NATIONAL = "national"  # the scope key of the whole country in the cells
_OWN = "own"
_SUB = "sub"
_UNTAGGED = "untagged"
_NO_SANCTION = "granted_without_sanction"


@dataclass(frozen=True)
class Window:
    first: dt.date  # first day
    last: dt.date  # last day (inclusive)

    @classmethod
    def ending_before(cls, today: dt.date) -> Window:
        """The twelve complete months before the month of `today`."""
        current = today.replace(day=1)
        last = current - dt.timedelta(days=1)
        year, month = current.year - 1, current.month
        return cls(dt.date(year, month, 1), last)


@dataclass(frozen=True)
class Publication:
    window: Window
    computed_at: dt.datetime
    scopes: int  # structures published, the country not included
    figures: int  # rows written
    hidden: int  # figures written as « secret statistique »
    seconds: float


def threshold() -> int:
    return int(settings.OBSERVATORY_MIN_CELL_SIZE)


# ---------------------------------------------------------------------------------------------
# Reading the aggregates


@dataclass
class _Counts:
    """Every count of the window, by scope (structure id or NATIONAL)."""

    by_scope: dict  # scope -> {measure: value}
    errors: dict  # scope -> {entry id: received}
    untagged: dict  # scope -> received without an entry
    delays: dict  # scope -> [(days, decisions)] sorted
    parent: dict  # structure id -> parent id (None for a root)


def _read(window: Window) -> _Counts:
    rows = (
        CaseCount.objects.filter(period=MONTH, start__gte=window.first, start__lte=window.last)
        .values("scope", "entry")
        .annotate(r=Sum("received"), d=Sum("decided"), g=Sum("granted"), w=Sum("waived"))
    )
    by_scope: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    errors: dict = defaultdict(dict)
    untagged: dict = defaultdict(int)
    for row in rows:
        scope = row["scope"] or NATIONAL
        counts = by_scope[scope]
        counts[Measure.RECEIVED] += row["r"] or 0
        counts[Measure.DECIDED] += row["d"] or 0
        counts[Measure.GRANTED] += row["g"] or 0
        counts[Measure.WAIVED] += row["w"] or 0
        if row["entry"] is None:
            untagged[scope] += row["r"] or 0
        elif row["r"]:
            errors[scope][row["entry"]] = errors[scope].get(row["entry"], 0) + row["r"]
    for scope, counts in list(by_scope.items()):
        counts[Measure.NOT_GRANTED] = counts[Measure.DECIDED] - counts[Measure.GRANTED]
        if not any(counts.values()):
            del by_scope[scope]
    delays: dict = defaultdict(list)
    for row in (
        DecisionDelay.objects.filter(period=MONTH, start__gte=window.first, start__lte=window.last)
        .values("scope", "days")
        .annotate(n=Sum("decisions"))
        .order_by("scope", "days")
    ):
        if row["n"]:
            delays[row["scope"] or NATIONAL].append((row["days"], row["n"]))
    ids = [scope for scope in by_scope if scope != NATIONAL]
    parent = dict(Structure.objects.filter(pk__in=ids).values_list("pk", "parent_id"))
    for scope in [scope for scope in by_scope if scope != NATIONAL and scope not in parent]:
        del by_scope[scope]  # deleted since the last rebuild
    return _Counts(by_scope, errors, untagged, delays, parent)


# ---------------------------------------------------------------------------------------------
# Cells and lines


def _children(counts: _Counts) -> dict:
    children: dict = defaultdict(list)
    for pk, parent_id in counts.parent.items():
        children[parent_id if parent_id in counts.parent else NATIONAL].append(pk)
    return children


def _tree_lines(values: dict, unpublished: set, family, subtree: dict, children: dict) -> list:
    """Tree lines of one count: `subtree` maps each scope to its value (absent: zero)."""
    lines = []
    for scope, total in subtree.items():
        kids = [kid for kid in children.get(scope, ()) if subtree.get(kid)]
        if not kids:
            continue  # own(S) is subtree(S) itself: no second number to subtract
        members = tuple((*family, _SUB, kid) for kid in kids)
        own = total - sum(subtree[kid] for kid in kids)
        own_key = (*family, _OWN, scope)
        values[own_key] = own
        if own:  # a zero given back by subtraction reveals nobody
            unpublished.add(own_key)
        lines.append(Line((own_key, *members), (*family, _SUB, scope)))
    return lines


def top_errors(errors: dict[int, int], limit: int, floor: int) -> list[int]:
    """The `limit` entries with the most cases among those with at least `floor` (ties: entry
    id), most frequent first."""
    ranked = sorted(
        (entry for entry, count in errors.items() if count >= floor),
        key=lambda entry: (-errors[entry], entry),
    )
    return ranked[:limit]


def cells_and_lines(counts: _Counts, limit: int, floor: int):
    """(values, lines, unpublished, top) of the whole publication; `top` maps each scope to
    its most frequent errors."""
    children = _children(counts)
    values: dict = {}
    unpublished: set = set()
    lines: list = []
    for measure in COUNTS:
        subtree = {scope: c[measure] for scope, c in counts.by_scope.items() if c[measure]}
        for scope, value in subtree.items():
            values[(measure, _SUB, scope)] = value
        lines += _tree_lines(values, unpublished, (measure,), subtree, children)
    top: dict = {}
    by_entry: dict = defaultdict(dict)
    for scope, c in counts.by_scope.items():
        sub = {m: (m, _SUB, scope) for m in COUNTS}
        for measure in COUNTS:
            values.setdefault(sub[measure], 0)
        lines.append(Line((sub[Measure.GRANTED], sub[Measure.NOT_GRANTED]), sub[Measure.DECIDED]))
        no_sanction = (_NO_SANCTION, scope)
        values[no_sanction] = c[Measure.GRANTED] - c[Measure.WAIVED]
        if values[no_sanction]:
            unpublished.add(no_sanction)
        lines.append(Line((sub[Measure.WAIVED], no_sanction), sub[Measure.GRANTED]))
        errors = counts.errors.get(scope, {})
        top[scope] = top_errors(errors, limit, floor)
        shown = set(top[scope])
        members = []
        for entry, value in errors.items():
            key = (Measure.ERRORS, entry, _SUB, scope)
            values[key] = value
            by_entry[entry][scope] = value
            members.append(key)
            if entry not in shown:
                unpublished.add(key)
        if members:  # else the untagged cases are the received ones, nothing more
            untagged = (_UNTAGGED, scope)
            values[untagged] = c[Measure.RECEIVED] - sum(errors.values())
            if values[untagged]:
                unpublished.add(untagged)
            lines.append(Line((*members, untagged), sub[Measure.RECEIVED]))
    for entry, subtree in by_entry.items():
        lines += _tree_lines(values, unpublished, (Measure.ERRORS, entry), subtree, children)
    return values, lines, unpublished, top


# ---------------------------------------------------------------------------------------------
# Publication


def compute(window: Window, *, floor: int | None = None) -> tuple[list[PublishedFigure], int]:
    """The figures of `window` (unsaved) and the number of structures they cover."""
    floor = floor or threshold()
    counts = _read(window)
    values, lines, unpublished, top = cells_and_lines(counts, TOP_ERRORS, floor)
    hidden = suppressed_cells(values, lines, floor, unpublished=unpublished)

    def shown(key):
        return None if key in hidden else values[key]

    figures = []
    for scope in counts.by_scope:
        structure_id = None if scope == NATIONAL else scope

        def figure(measure, value, entry_id=None, rank=None, structure_id=structure_id):
            return PublishedFigure(
                structure_id=structure_id,
                entry_id=entry_id,
                measure=measure,
                value=value,
                rank=rank,
            )

        for measure in COUNTS:
            figures.append(figure(measure, shown((measure, _SUB, scope))))
        decided = shown((Measure.DECIDED, _SUB, scope))
        median = None
        if decided is not None and decided >= floor:
            median = median_of(counts.delays.get(scope, []))
        figures.append(figure(Measure.MEDIAN_DAYS, median))
        rank = 0
        for entry in top[scope]:
            value = shown((Measure.ERRORS, entry, _SUB, scope))
            if value is not None:
                rank += 1
            figures.append(
                figure(Measure.ERRORS, value, entry, rank if value is not None else None)
            )
    return figures, len(counts.by_scope) - (NATIONAL in counts.by_scope)


def publish(*, today: dt.date | None = None) -> Publication:
    """Replace the published figures with those of the last twelve complete months."""
    started = time.perf_counter()
    now = timezone.now()
    window = Window.ending_before(today or timezone.localdate(now))
    figures, scopes = compute(window)
    if not any(f.structure_id is None for f in figures):
        # Nothing in the window: the country is still published, with zeros.
        figures = [
            PublishedFigure(structure_id=None, measure=measure, value=0) for measure in COUNTS
        ] + [PublishedFigure(structure_id=None, measure=Measure.MEDIAN_DAYS, value=None)]
    for figure in figures:
        figure.window_start, figure.window_end, figure.computed_at = window.first, window.last, now
    with transaction.atomic():
        PublishedFigure.objects.all().delete()
        PublishedFigure.objects.bulk_create(figures, batch_size=2000)
        page_cache.invalidate(NAMESPACE)
    return Publication(
        window=window,
        computed_at=now,
        scopes=scopes,
        figures=len(figures),
        hidden=sum(1 for f in figures if f.value is None),
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Reading the published snapshot (public pages)


@dataclass
class ShownError:
    entry_id: int
    slug: str
    title: str
    published: bool  # the public advice page exists
    rank: int | None
    count: int | None  # None: secret statistique


@dataclass
class ScopeFigures:
    structure: Structure | None
    window: Window
    computed_at: dt.datetime
    values: dict  # measure -> value (None: secret statistique)
    errors: list[ShownError]

    @property
    def granted_share(self):
        from bonnefoi.observatory.opendata import granted_share

        return granted_share(self.values.get(Measure.GRANTED), self.values.get(Measure.DECIDED))


def published_figures(structure: Structure | None) -> ScopeFigures | None:
    """The published figures of one scope (None: the whole country), or None when nothing is
    published for it."""
    from bonnefoi.advice.models import Entry
    from bonnefoi.observatory.opendata import entry_title

    rows = list(PublishedFigure.objects.filter(structure=structure).order_by("rank", "pk"))
    if not rows:
        return None
    entries = Entry.objects.select_related("current_version").in_bulk(
        [row.entry_id for row in rows if row.entry_id]
    )
    published = set(
        Entry.objects.published().filter(pk__in=list(entries)).values_list("pk", flat=True)
    )
    errors = [
        ShownError(
            entry_id=row.entry_id,
            slug=entries[row.entry_id].slug,
            title=entry_title(entries[row.entry_id]),
            published=row.entry_id in published,
            rank=row.rank,
            count=row.value,
        )
        for row in rows
        if row.measure == Measure.ERRORS and row.entry_id in entries
    ]
    errors.sort(key=lambda item: (item.rank is None, item.rank or 0, item.title))
    return ScopeFigures(
        structure=structure,
        window=Window(rows[0].window_start, rows[0].window_end),
        computed_at=rows[0].computed_at,
        values={row.measure: row.value for row in rows if row.measure != Measure.ERRORS},
        errors=errors,
    )


def published_children(structure: Structure | None) -> list[Structure]:
    """The children of a scope (the root networks for the country) that have figures."""
    children = (
        Structure.objects.filter(parent__isnull=True)
        if structure is None
        else Structure.objects.filter(parent=structure)
    )
    ids = PublishedFigure.objects.filter(structure__isnull=False).values("structure_id")
    return list(children.filter(pk__in=ids).order_by("name"))


ACTIONS_SHOWN = 50


@dataclass
class DoneAction:
    completed_on: dt.date
    kind: str
    summary: str
    structure: str
    errors: list[tuple[str, str, bool]]  # (slug, title, published)


def completed_actions(structure: Structure | None, limit: int = ACTIONS_SHOWN) -> list[DoneAction]:
    """Completed actions of the plans of a scope's subtree (every plan for the country),
    newest first: what changed, never who did it. A summary holding personal data (it is
    checked when entered) is left out rather than shown."""
    from bonnefoi.advice.models import Entry
    from bonnefoi.core.personal_data import find_personal_data
    from bonnefoi.observatory.models import Action, ActionStatus
    from bonnefoi.observatory.opendata import entry_title

    actions = Action.objects.filter(status=ActionStatus.DONE)
    if structure is not None:
        actions = actions.filter(plan__structure__in=Structure.objects.subtree_of(structure))
    actions = list(
        actions.select_related("plan__structure")
        .prefetch_related("plan__entries__current_version")
        .order_by("-completed_on", "-pk")[:limit]
    )
    published = set(
        Entry.objects.published()
        .filter(action_plans__actions__in=actions)
        .values_list("pk", flat=True)
    )
    return [
        DoneAction(
            completed_on=action.completed_on,
            kind=action.get_kind_display(),
            summary=action.public_summary,
            structure=action.plan.structure.name,
            errors=[
                (entry.slug, entry_title(entry), entry.pk in published)
                for entry in sorted(action.plan.entries.all(), key=lambda e: e.slug)
            ],
        )
        for action in actions
        if not find_personal_data(action.public_summary)
    ]
