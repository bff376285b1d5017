"""Reads of the observatory's aggregates, shared by the dashboards, the public pages, the
impact of actions and the benchmark. Every function reads the small aggregate tables only.

A *scope* is a `Structure` (the structure and its whole subtree) or None (the whole country).
A *range* is a kind of period and the first and last period starts it covers (inclusive).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, Sum, Value, When

from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.observatory.models import (
    CaseCount,
    DecisionDelay,
    FeedbackCount,
    RefreshRun,
    ScopeTotal,
    SearchGapCount,
)
from bonnefoi.observatory.periods import MONTH, QUARTER, next_start, period_start, starts_between
from bonnefoi.structures.models import Structure

MEASURES = ("received", "decided", "granted", "waived")


@dataclass(frozen=True)
class Range:
    period: str
    first: dt.date  # start of the first period
    last: dt.date  # start of the last period

    @classmethod
    def covering(cls, period: str, first_day: dt.date, last_day: dt.date) -> Range:
        return cls(period, period_start(period, first_day), period_start(period, last_day))

    @property
    def starts(self) -> list[dt.date]:
        return list(starts_between(self.period, self.first, self.last))

    @property
    def end(self) -> dt.date:
        """The day after the last period (exclusive end)."""
        return next_start(self.period, self.last)


@dataclass(frozen=True)
class Filters:
    procedure: Procedure | None = None
    life_event_entries: frozenset[int] | None = None  # entries of the chosen life event
    entry: Entry | None = None


@dataclass
class Totals:
    received: int = 0
    tagged: int = 0  # received with a frequent-error entry
    decided: int = 0
    granted: int = 0
    waived: int = 0
    waived_amount: Decimal = Decimal("0.00")

    @property
    def granted_share(self) -> Decimal | None:
        """Share of decisions granting the right to error, in percent (one decimal)."""
        if not self.decided:
            return None
        return (Decimal(100) * self.granted / self.decided).quantize(Decimal("0.1"))


@dataclass
class RankedError:
    entry_id: int
    slug: str
    title: str
    received: int
    decided: int
    granted: int
    useful: int = 0
    not_useful: int = 0
    owners: list[str] = field(default_factory=list)


def scope_q(scope: Structure | None) -> Q:
    """Rows of `scope` in `CaseCount` and `DecisionDelay` (through their indexed key)."""
    return Q(scope_key=0 if scope is None else scope.pk)


def search_scope_q(scope: Structure | None) -> Q:
    return Q(scope__isnull=True) if scope is None else Q(scope=scope)


def stored_span(span: Range) -> dict:
    """Lookups of the stored rows covering the range: weeks and months are stored; a quarter
    is read as its three months."""
    if span.period == QUARTER:
        return {"period": MONTH, "start__gte": span.first, "start__lt": span.end}
    return {"period": span.period, "start__gte": span.first, "start__lte": span.last}


def case_counts(scope: Structure | None, span: Range, filters: Filters = Filters()) -> QuerySet:
    return _narrowed(CaseCount.objects.filter(scope_q(scope), **stored_span(span)), filters)


def _narrowed(rows: QuerySet, filters: Filters) -> QuerySet:
    if filters.procedure is not None:
        rows = rows.filter(procedure=filters.procedure)
    if filters.entry is not None:
        rows = rows.filter(entry_key=filters.entry.pk)
    if filters.life_event_entries is not None:
        rows = rows.filter(entry_key__in=filters.life_event_entries)
    return rows


def life_event_entries(life_event) -> frozenset[int]:
    return frozenset(life_event.entries.values_list("pk", flat=True))


def totals(scope: Structure | None, span: Range, filters: Filters = Filters()) -> Totals:
    return _totals(_sums(scope_totals(scope, span, filters)).aggregate(**_SUMS))


def scope_totals(
    scope: Structure | None, span: Range, filters: Filters = Filters(), *, where: Q | None = None
) -> QuerySet:
    """The rows to sum: `ScopeTotal` when nothing narrows the cases, else `CaseCount`
    (`where` replaces the scope condition)."""
    where = scope_q(scope) if where is None else where
    if filters == Filters():
        return ScopeTotal.objects.filter(where, **stored_span(span))
    return _narrowed(CaseCount.objects.filter(where, **stored_span(span)), filters)


_SUMS = {
    "r": Sum("received"),
    "t": Sum("tagged"),
    "d": Sum("decided"),
    "g": Sum("granted"),
    "w": Sum("waived"),
    "a": Sum("waived_amount"),
}


def _sums(rows: QuerySet) -> QuerySet:
    """`ScopeTotal` rows as they are; `CaseCount` rows with a `tagged` column computed."""
    if rows.model is CaseCount:
        return rows.annotate(
            tagged=Case(When(entry_key__gt=0, then=F("received")), default=Value(0))
        )
    return rows


def _totals(sums: dict) -> Totals:
    return Totals(
        received=sums["r"] or 0,
        tagged=sums["t"] or 0,
        decided=sums["d"] or 0,
        granted=sums["g"] or 0,
        waived=sums["w"] or 0,
        waived_amount=Decimal(sums.get("a") or 0).quantize(Decimal("0.01")),
    )


def trend(
    scope: Structure | None, span: Range, filters: Filters = Filters()
) -> list[tuple[dt.date, Totals]]:
    """One `Totals` per period of the range, zeros included, oldest first."""
    by_start = {start: Totals() for start in span.starts}
    rows = _sums(scope_totals(scope, span, filters)).values("start").annotate(**_SUMS)
    for row in rows:
        start = period_start(span.period, row["start"])  # a month folds into its quarter
        by_start[start] = _add(by_start[start], _totals(row))
    return sorted(by_start.items())


def _add(one: Totals, other: Totals) -> Totals:
    return Totals(
        received=one.received + other.received,
        tagged=one.tagged + other.tagged,
        decided=one.decided + other.decided,
        granted=one.granted + other.granted,
        waived=one.waived + other.waived,
        waived_amount=one.waived_amount + other.waived_amount,
    )


def error_ranking(
    scope: Structure | None,
    span: Range,
    filters: Filters = Filters(),
    *,
    limit: int | None = None,
    with_signals: bool = True,
) -> list[RankedError]:
    """Frequent errors by number of cases received, most frequent first (ties by title)."""
    rows = (
        case_counts(scope, span, filters)
        .filter(entry__isnull=False)
        .values("entry")
        .annotate(r=Sum("received"), d=Sum("decided"), g=Sum("granted"))
        .filter(r__gt=0)
        .order_by("-r", "entry")
    )
    if limit is not None:
        rows = rows[:limit]
    rows = list(rows)
    entries = Entry.objects.in_bulk([row["entry"] for row in rows])
    ranking = [
        RankedError(
            entry_id=row["entry"],
            slug=entries[row["entry"]].slug,
            title=entries[row["entry"]].title,
            received=row["r"],
            decided=row["d"] or 0,
            granted=row["g"] or 0,
        )
        for row in rows
        if row["entry"] in entries
    ]
    ranking.sort(key=lambda item: (-item.received, item.title))
    if with_signals and ranking:
        votes = feedback_signals([item.entry_id for item in ranking], span)
        for item in ranking:
            item.useful, item.not_useful = votes.get(item.entry_id, (0, 0))
    return ranking


def feedback_signals(entry_ids: Iterable[int], span: Range) -> dict[int, tuple[int, int]]:
    """{entry id: (useful votes, not useful votes)} over the range."""
    rows = (
        FeedbackCount.objects.filter(entry__in=list(entry_ids), **stored_span(span))
        .values("entry")
        .annotate(u=Sum("useful"), n=Sum("not_useful"))
    )
    return {row["entry"]: (row["u"] or 0, row["n"] or 0) for row in rows}


def breakdown(
    scope: Structure | None, span: Range, by: str, filters: Filters = Filters()
) -> list[dict]:
    """Cases received, decided and granted per `by` ("procedure" or "entry"), largest first."""
    if by not in {"procedure", "entry"}:
        raise ValueError(by)
    rows = (
        case_counts(scope, span, filters)
        .values(by)
        .annotate(received=Sum("received"), decided=Sum("decided"), granted=Sum("granted"))
        .filter(received__gt=0)
        .order_by("-received", by)
    )
    return list(rows)


def structure_breakdown(
    scope: Structure | None, span: Range, filters: Filters = Filters()
) -> list[tuple[Structure, Totals]]:
    """The totals of each child of the scope (each root network for the whole country)."""
    children = (
        Structure.objects.filter(parent__isnull=True)
        if scope is None
        else Structure.objects.filter(parent=scope)
    ).order_by("name")
    children = list(children)
    rows = scope_totals(None, span, filters, where=Q(scope_key__in=[c.pk for c in children]))
    sums = {row["scope_key"]: row for row in _sums(rows).values("scope_key").annotate(**_SUMS)}
    out = []
    for child in children:
        row = sums.get(child.pk)
        out.append((child, _totals(row) if row else Totals()))
    return out


@dataclass(frozen=True)
class Delay:
    decisions: int
    median_days: int | None


def median_delay(scope: Structure | None, span: Range) -> Delay:
    """Median number of calendar days from submission to decision, over the decisions of the
    range (the lower median when the count is even: a whole number of days)."""
    rows = (
        DecisionDelay.objects.filter(scope_q(scope), **stored_span(span))
        .values("days")
        .annotate(n=Sum("decisions"))
        .order_by("days")
    )
    histogram = [(row["days"], row["n"]) for row in rows]
    return Delay(decisions=sum(n for _, n in histogram), median_days=median_of(histogram))


def median_of(histogram: list[tuple[int, int]]) -> int | None:
    """Lower median of a sorted histogram [(value, count), ...]."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    rank = (total + 1) // 2
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


def search_gaps(scope: Structure | None, span: Range, *, limit: int = 10) -> tuple[int, list[dict]]:
    """(number of searches without result, the most frequent queries with their count)."""
    rows = SearchGapCount.objects.filter(search_scope_q(scope), **stored_span(span))
    total = rows.aggregate(n=Sum("searches"))["n"] or 0
    top = list(
        rows.values("query")
        .annotate(searches=Sum("searches"))
        .order_by("-searches", "query")[:limit]
    )
    return total, top


def last_refresh() -> RefreshRun | None:
    return RefreshRun.objects.filter(finished_at__isnull=False).first()


# ---------------------------------------------------------------------------------------------
# Action plans, filing volumes and spike alerts (back office)


def plans_visible_to(user, status: str = ""):
    """Action plans of the structures in the user's observatory scopes, newest first;
    `status` keeps the plans with at least one action in that status."""
    from bonnefoi.observatory.abilities import observatory_scopes
    from bonnefoi.observatory.models import ActionPlan

    plans = ActionPlan.objects.filter(structure__in=observatory_scopes(user)).select_related(
        "structure", "procedure"
    )
    if status:
        plans = plans.filter(actions__status=status).distinct()
    return plans.order_by("-created_at", "-pk")


def volumes_visible_to(user):
    from bonnefoi.observatory.abilities import observatory_scopes
    from bonnefoi.observatory.models import FilingVolume

    return (
        FilingVolume.objects.filter(structure__in=observatory_scopes(user))
        .select_related("structure", "procedure")
        .order_by("structure__path", "procedure__title", "-first_day")
    )


def alerts_visible_to(user):
    """Spike alerts of the entries owned by a structure in the user's observatory scopes."""
    from django.db.models import F

    from bonnefoi.observatory.abilities import observatory_scopes
    from bonnefoi.observatory.models import SpikeAlert

    entries = Entry.objects.filter(owners__in=observatory_scopes(user)).values("pk")
    return (
        SpikeAlert.objects.filter(entry__in=entries)
        .select_related("entry", "acknowledged_by")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-week_start", "entry__title")
    )
