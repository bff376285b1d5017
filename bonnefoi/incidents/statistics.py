"""Aggregated statistics of incivility reports, the only view of the compartment that managers
get: counts per site and period, and per gravity / category / channel, with the statistical
secret of ``disclosure.py`` applied to each structure and year, and sums over several
structures or years shown only when all their parts are (see "the rule" below), so that no two
tables, nor a table and a yearly report, give a hidden count back by difference. No narrative,
no person, no single report ever shows."""

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from bonnefoi.core.disclosure import Line, published, suppressed_cells
from bonnefoi.incidents.models import Category, Channel, Gravity, IncidentReport
from bonnefoi.structures.models import Structure, StructureKind

DEFAULT_MIN_CELL_SIZE = 5
YEARS_SHOWN = 5  # the "per year" table shows the chosen year and the four before it


class Period:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CHOICES = (
        (MONTH, "Par mois"),
        (QUARTER, "Par trimestre"),
        (YEAR, f"Par année ({YEARS_SHOWN} ans)"),
    )


MONTH_LABELS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
SUPPRESSED_MARK = "s"  # the French statistical offices' mark for a count kept secret
_BREAKDOWNS = (("gravity", Gravity), ("category", Category), ("channel", Channel))


def min_cell_size() -> int:
    """``INCIDENTS_MIN_CELL_SIZE`` (default 5): the smallest count ever published."""
    size = getattr(settings, "INCIDENTS_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE)
    if not isinstance(size, int) or size < 2:
        raise ImproperlyConfigured("INCIDENTS_MIN_CELL_SIZE doit être un entier supérieur à 1.")
    return size


def disclosure_rule(threshold: int) -> str:
    """The rule in plain French, stated on every page and export that shows counts."""
    return (
        f"Secret statistique : aucun nombre compris entre 1 et {threshold - 1} n'est affiché "
        f"(marque « {SUPPRESSED_MARK} »). Pour qu'on ne puisse pas le retrouver en retranchant "
        "d'un total les nombres affichés, d'autres nombres du même ensemble (pour une structure "
        "et une année : ses mois, ses trimestres, sa ventilation) sont aussi masqués, jusqu'à ce "
        f"que les nombres masqués soient au moins deux et totalisent au moins {threshold}. Un "
        "total qui additionne plusieurs structures ou plusieurs années n'est affiché que si tous "
        "les nombres qu'il additionne le sont : comparer deux tableaux ou un tableau et un "
        "rapport annuel ne fait donc retrouver aucun nombre masqué. Les zéros sont affichés."
    )


def _year_window(first_year: int, last_year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(first_year, 1, 1, tzinfo=zone),
        dt.datetime(last_year + 1, 1, 1, tzinfo=zone),
    )


@dataclass(frozen=True)
class StatRow:
    structure: Structure
    cells: list[int | None]
    total: int | None


@dataclass(frozen=True)
class PeriodTable:
    root: Structure
    year: int
    period: str
    threshold: int
    columns: list[str]
    rows: list[StatRow]
    column_totals: list[int | None]
    total: int | None

    @property
    def rule(self) -> str:
        return disclosure_rule(self.threshold)


def _columns(period: str, year: int) -> tuple[list[str], list[int], int, int]:
    """(labels, bucket values, first year, last year) of a period table."""
    if period == Period.MONTH:
        return list(MONTH_LABELS), list(range(1, 13)), year, year
    if period == Period.QUARTER:
        return [f"T{q}" for q in range(1, 5)], [1, 2, 3, 4], year, year
    if period == Period.YEAR:
        years = list(range(year - YEARS_SHOWN + 1, year + 1))
        return [str(y) for y in years], years, years[0], year
    raise ValueError(f"Période inconnue : {period!r}.")


# --- the rule (pure functions) ------------------------------------------------------------
#
# Every published count is either (1) a figure of ONE structure in ONE calendar year - a month,
# a quarter, the year, or a count of the year's breakdown by gravity, category or channel - or
# (2) a sum over several structures or several years. Figures of kind (1) are protected by the
# lines of ``disclosure.py`` between that structure's own counts only, so the same figure is
# shown or hidden the same way in every table, whatever the structure chosen as root, and in the
# yearly report. A sum of kind (2) is shown only when every figure it adds up is shown: it then
# tells nothing that the shown figures do not, so no difference between two tables (or a table
# and a report) can give a hidden count back.


def _months_of(quarter: int) -> range:
    return range(3 * quarter - 2, 3 * quarter + 1)


def structure_year(months: Sequence[int], threshold: int) -> dict[Hashable, int | None]:
    """The published figures of one structure in one calendar year, from its 12 monthly counts:
    keys ``("month", 1..12)``, ``("quarter", 1..4)`` and ``"year"``; None for a hidden one."""
    if len(months) != 12:
        raise ValueError("Il faut les nombres des douze mois.")
    values: dict[Hashable, int] = {("month", m): months[m - 1] for m in range(1, 13)}
    lines = []
    for q in range(1, 5):
        values["quarter", q] = sum(values["month", m] for m in _months_of(q))
        lines.append(Line(tuple(("month", m) for m in _months_of(q)), ("quarter", q)))
    values["year"] = sum(months)
    lines.append(Line(tuple(("quarter", q) for q in range(1, 5)), "year"))
    lines.append(Line(tuple(("month", m) for m in range(1, 13)), "year"))
    return published(values, suppressed_cells(values, lines, threshold))


def structure_breakdowns(
    total: int, counts: Mapping[tuple[str, str], int], threshold: int
) -> dict[Hashable, int | None]:
    """The published breakdowns of one structure's year: ``"total"`` and ``(field, key)`` for
    every choice of gravity, category and channel (a missing count is 0); None when hidden."""
    values: dict[Hashable, int] = {"total": total}
    lines = []
    for field, choices in _BREAKDOWNS:
        for key in choices.values:
            values[field, key] = counts.get((field, key), 0)
        lines.append(Line(tuple((field, key) for key in choices.values), "total"))
    return published(values, suppressed_cells(values, lines, threshold))


def sum_if_all_shown(parts: Iterable[int | None]) -> int | None:
    """A sum over several structures or years: shown only when every part is shown."""
    parts = list(parts)
    return None if None in parts else sum(parts)


@dataclass(frozen=True)
class Grid:
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


def period_grid(
    monthly: Sequence[Mapping[tuple[int, int], int]], *, year: int, period: str, threshold: int
) -> Grid:
    """The published grid of a period table: ``monthly[r][(y, m)]`` is the number of reports of
    row ``r``'s structure (its own, not its subtree's) in month ``m`` of year ``y``."""
    _labels, buckets, first_year, last_year = _columns(period, year)
    cells, row_totals = [], []
    for counts in monthly:
        years = {
            y: structure_year([counts.get((y, m), 0) for m in range(1, 13)], threshold)
            for y in range(first_year, last_year + 1)
        }
        if period == Period.YEAR:
            row = [years[y]["year"] for y in buckets]
            row_total = sum_if_all_shown(row)
        else:
            kind = "month" if period == Period.MONTH else "quarter"
            row = [years[year][kind, bucket] for bucket in buckets]
            row_total = years[year]["year"]
        cells.append(row)
        row_totals.append(row_total)
    column_totals = [sum_if_all_shown(row[c] for row in cells) for c in range(len(buckets))]
    total = sum_if_all_shown(row_totals)
    if total is None:
        total = sum_if_all_shown(column_totals)
    return Grid(cells=cells, row_totals=row_totals, column_totals=column_totals, total=total)


# --- reads -------------------------------------------------------------------------------


def period_table(
    *, root: Structure, year: int, period: str, threshold: int | None = None
) -> PeriodTable:
    """Reports per site (rows: every site below ``root``, and any other structure of the
    subtree that holds reports) and per month, quarter or year, with totals; secret applied."""
    threshold = threshold or min_cell_size()
    labels, _buckets, first_year, last_year = _columns(period, year)
    start, end = _year_window(first_year, last_year)
    subtree = Structure.objects.subtree_of(root)
    monthly: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for row in (
        IncidentReport.objects.filter(
            structure__in=subtree, occurred_at__gte=start, occurred_at__lt=end
        )
        .annotate(y=ExtractYear("occurred_at"), m=ExtractMonth("occurred_at"))
        .values("structure_id", "y", "m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        monthly[row["structure_id"]][row["y"], row["m"]] = row["n"]
    structures = list(
        subtree.filter(Q(kind=StructureKind.SITE) | Q(pk__in=list(monthly))).order_by("path")
    )
    grid = period_grid(
        [monthly.get(structure.pk, {}) for structure in structures],
        year=year,
        period=period,
        threshold=threshold,
    )
    return PeriodTable(
        root=root,
        year=year,
        period=period,
        threshold=threshold,
        columns=labels,
        rows=[
            StatRow(structure=structure, cells=cells, total=total)
            for structure, cells, total in zip(structures, grid.cells, grid.row_totals, strict=True)
        ],
        column_totals=grid.column_totals,
        total=grid.total,
    )


def site_statistics(site: Structure, year: int, *, threshold: int | None = None) -> dict:
    """Counts of one site (and of the structures below it) over a calendar year, by gravity,
    category and channel, secret applied; ``None`` stands for a count kept secret.

    Each structure's figures are protected on their own, then added up under the rule of
    ``sum_if_all_shown`` (a site has no structure below it today: the sums have one part).

    The shape (plain data, ready for a template or JSON)::

        {"site": {"id", "name", "sp_code"}, "year", "min_cell_size", "rule",
         "total": int | None,
         "by_gravity" | "by_category" | "by_channel": [{"key", "label", "count"}]}
    """
    threshold = threshold or min_cell_size()
    start, end = _year_window(year, year)
    reports = IncidentReport.objects.filter(
        structure__in=Structure.objects.subtree_of(site),
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    totals = dict(reports.values_list("structure_id").annotate(n=Count("pk")).order_by())
    counts: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for field, _choices in _BREAKDOWNS:
        for structure_id, key, n in (
            reports.values_list("structure_id", field).annotate(n=Count("pk")).order_by()
        ):
            counts[structure_id][field, key] = n
    # Structures without reports add zeros, shown: leaving them out changes no sum.
    parts = [
        structure_breakdowns(total, counts[structure_id], threshold)
        for structure_id, total in totals.items()
    ]
    result = {
        "site": {"id": site.pk, "name": site.name, "sp_code": site.sp_code or ""},
        "year": year,
        "min_cell_size": threshold,
        "rule": disclosure_rule(threshold),
        "total": sum_if_all_shown(part["total"] for part in parts),
    }
    for field, choices in _BREAKDOWNS:
        result[f"by_{field}"] = [
            {
                "key": key,
                "label": choices(key).label,
                "count": sum_if_all_shown(part[field, key] for part in parts),
            }
            for key in choices.values
        ]
    return result
