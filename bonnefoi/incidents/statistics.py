"""Aggregated statistics of incivility reports, the only view of the compartment that managers
get: counts per site and period, and per gravity / category / channel, with the statistical
secret of ``disclosure.py`` applied. No narrative, no person, no single report ever shows."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear
from django.utils import timezone

from bonnefoi.incidents.disclosure import Line, published, suppressed_cells
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
        f"(marque « {SUPPRESSED_MARK} »). Pour qu'on ne puisse pas le retrouver en retranchant les "
        "autres nombres d'un total, d'autres cases de la même ligne ou colonne sont aussi "
        f"masquées, jusqu'à ce que les cases masquées soient au moins deux et totalisent au "
        f"moins {threshold}. Les zéros sont affichés."
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


_BUCKET = {Period.MONTH: ExtractMonth, Period.QUARTER: ExtractQuarter, Period.YEAR: ExtractYear}


def period_table(
    *, root: Structure, year: int, period: str, threshold: int | None = None
) -> PeriodTable:
    """Reports per site (rows: every site below ``root``, and any other structure of the
    subtree that holds reports) and per month, quarter or year, with totals; secret applied."""
    threshold = threshold or min_cell_size()
    labels, buckets, first_year, last_year = _columns(period, year)
    start, end = _year_window(first_year, last_year)
    subtree = Structure.objects.subtree_of(root)
    counts = {
        (row["structure_id"], row["bucket"]): row["n"]
        for row in IncidentReport.objects.filter(
            structure__in=subtree, occurred_at__gte=start, occurred_at__lt=end
        )
        .annotate(bucket=_BUCKET[period]("occurred_at"))
        .values("structure_id", "bucket")
        .annotate(n=Count("pk"))
        .order_by()
    }
    with_reports = {structure_id for structure_id, _bucket in counts}
    structures = list(
        subtree.filter(Q(kind=StructureKind.SITE) | Q(pk__in=with_reports)).order_by("path")
    )

    values: dict = {}
    lines: list[Line] = []
    for r, structure in enumerate(structures):
        for c, bucket in enumerate(buckets):
            values["cell", r, c] = counts.get((structure.pk, bucket), 0)
        values["row", r] = sum(values["cell", r, c] for c in range(len(buckets)))
        lines.append(Line(tuple(("cell", r, c) for c in range(len(buckets))), ("row", r)))
    for c in range(len(buckets)):
        values["col", c] = sum(values["cell", r, c] for r in range(len(structures)))
        lines.append(Line(tuple(("cell", r, c) for r in range(len(structures))), ("col", c)))
    values["total"] = sum(values["col", c] for c in range(len(buckets)))
    lines.append(Line(tuple(("col", c) for c in range(len(buckets))), "total"))
    lines.append(Line(tuple(("row", r) for r in range(len(structures))), "total"))

    shown = published(values, suppressed_cells(values, lines, threshold))
    return PeriodTable(
        root=root,
        year=year,
        period=period,
        threshold=threshold,
        columns=labels,
        rows=[
            StatRow(
                structure=structure,
                cells=[shown["cell", r, c] for c in range(len(buckets))],
                total=shown["row", r],
            )
            for r, structure in enumerate(structures)
        ],
        column_totals=[shown["col", c] for c in range(len(buckets))],
        total=shown["total"],
    )


_BREAKDOWNS = (("gravity", Gravity), ("category", Category), ("channel", Channel))


def site_statistics(site: Structure, year: int, *, threshold: int | None = None) -> dict:
    """Counts of one site (and of the structures below it) over a calendar year, by gravity,
    category and channel, secret applied; ``None`` stands for a count kept secret.

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
    values: dict = {"total": reports.count()}
    lines = []
    for field, choices in _BREAKDOWNS:
        counts = dict(reports.values_list(field).annotate(n=Count("pk")).order_by())
        for key in choices.values:
            values[field, key] = counts.get(key, 0)
        lines.append(Line(tuple((field, key) for key in choices.values), "total"))
    shown = published(values, suppressed_cells(values, lines, threshold))
    result = {
        "site": {"id": site.pk, "name": site.name, "sp_code": site.sp_code or ""},
        "year": year,
        "min_cell_size": threshold,
        "rule": disclosure_rule(threshold),
        "total": shown["total"],
    }
    for field, choices in _BREAKDOWNS:
        result[f"by_{field}"] = [
            {"key": key, "label": choices(key).label, "count": shown[field, key]}
            for key in choices.values
        ]
    return result
