"""Rebuild of the observatory's aggregates from the cases, the advice feedback and the search
log (read only).

Cases (``case_sums``): day tables, then weekly and monthly rollups per scope; an incremental
rebuild recounts the changed days and adds their difference to the rollups. Votes and searches
(insert-only, small): the periods that received new rows are recounted whole, one
``INSERT … SELECT`` per table and kind of period. Quarters are not stored: they are read as
three months (``selectors``).

* **Incremental** (the default, every few minutes): the days changed since the last rebuild —
  the submission and decision days of every case modified since then (a new case, a tag, a
  decision, a redirection), and the days of new votes and searches.
* **Full** (nightly, or when the structure tree changed): every day from the retention horizon
  on, and every rollup summed again from the day tables.

**Frozen days.** Cases closed for more than ``CASE_RETENTION_DAYS`` and searches older than
``ADVICE_SEARCH_LOG_RETENTION_DAYS`` are purged, but their counts are statistics worth keeping.
A day (or a search period) before its source's horizon is therefore never recounted once it has
been counted: only the very first rebuild, or ``rebuild(everything=True)``, writes it. Before
the horizon no case can have been purged yet, so what is recounted is exact.

Everything runs in one transaction behind a lock, so readers see either the old or the new
figures, and two rebuilds never interleave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from bonnefoi.advice.models import Feedback, ZeroResultSearch
from bonnefoi.cases.models import Case, CaseEvent, EventKind
from bonnefoi.observatory import case_sums
from bonnefoi.observatory.models import (
    CaseCount,
    DayCount,
    DayDelay,
    DecisionDelay,
    FeedbackCount,
    PeriodDay,
    RefreshKind,
    RefreshRun,
    ScopeLink,
    ScopeTotal,
    SearchGapCount,
)
from bonnefoi.observatory.periods import MONTH, WEEK, days, next_start, period_start, starts_between
from bonnefoi.structures.models import Structure

# A transaction that set `updated_at` before the last rebuild started may commit after it:
# the next incremental rebuild looks this far back.
SAFETY_MARGIN = dt.timedelta(minutes=10)
_LOCK_KEY = 0x0B5E_0001  # PostgreSQL advisory lock of the rebuild


KINDS = (WEEK, MONTH)  # the kinds of period stored (a quarter is read as three months)


@dataclass
class RefreshResult:
    kind: str
    case_days: list[dt.date] = field(default_factory=list)  # days of cases recounted
    periods: dict[str, list[dt.date]] = field(default_factory=dict)  # votes and searches
    rows: int = 0
    tree_changed: bool = False

    @property
    def period_count(self) -> int:
        return len(self.case_days) + sum(len(starts) for starts in self.periods.values())


@dataclass
class _Plan:
    case_days: list[dt.date]
    full: bool  # recount the days from case_days[0] on, and sum every rollup again
    signals: Targets


# ---------------------------------------------------------------------------------------------
# Entry points


def rebuild(*, full: bool = False, everything: bool = False, now=None) -> RefreshResult:
    """Rebuild the aggregates (incremental unless `full`); `everything` also recounts the
    frozen days (their purged cases are then lost from the counts)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        last = RefreshRun.objects.filter(finished_at__isnull=False).first()
        run = RefreshRun.objects.create(kind=RefreshKind.INCREMENTAL, started_at=now)
        tree_changed = sync_scope_links()
        first_build = everything or last is None
        plan = _plan(now, last, full=full or first_build or tree_changed, first_build=first_build)
        if first_build:
            _clear_aggregates()
        run.kind = RefreshKind.FULL if plan.full else RefreshKind.INCREMENTAL
        result = RefreshResult(kind=run.kind, case_days=plan.case_days, tree_changed=tree_changed)
        result.rows = _execute(plan, timezone.localdate(now))
        result.periods = {
            kind: sorted({start for starts in by_table.values() for start in starts})
            for kind, by_table in _by_kind(plan.signals).items()
        }
        run.finished_at = timezone.now()
        run.periods = result.period_count
        run.rows = result.rows
        run.save()
    return result


def planned(*, full: bool = False, everything: bool = False, now=None) -> dict[str, list]:
    """What `rebuild` would recount now: {"cases": [("day", day), ...], table: [(kind,
    start), ...]} (the tree is not compared: a moved structure also makes the rebuild full)."""
    now = now or timezone.now()
    last = RefreshRun.objects.filter(finished_at__isnull=False).first()
    first_build = everything or last is None
    plan = _plan(now, last, full=full or first_build, first_build=first_build)
    return {
        "cases": [("day", day) for day in plan.case_days],
        **{
            table: sorted((kind, start) for kind, starts in by_kind.items() for start in starts)
            for table, by_kind in plan.signals.items()
        },
    }


def _plan(now, last, *, full: bool, first_build: bool) -> _Plan:
    today = timezone.localdate(now)
    if full:
        horizon = _horizons(today)["cases"]
        first = _source_first_day(today) if first_build else max(horizon, _source_first_day(today))
        return _Plan(
            case_days=list(days(first, today)),
            full=True,
            signals=_full_targets(today, first_build=first_build),
        )
    since = last.started_at - SAFETY_MARGIN
    return _Plan(
        case_days=_changed_case_days(since, today), full=False, signals=_dirty_targets(since, today)
    )


def _execute(plan: _Plan, today: dt.date) -> int:
    rows = 0
    with connection.cursor() as cursor:
        if plan.case_days:
            first_kept = DayCount.objects.order_by("day").values_list("day", flat=True).first()
            ensure_calendar(
                min(plan.case_days[0], first_kept or today), max(plan.case_days[-1], today)
            )
        if plan.full:
            if plan.case_days:
                rows += case_sums.recount_days(
                    cursor, plan.case_days[0], plan.case_days[-1] + dt.timedelta(days=1)
                )
            rows += case_sums.sum_rollups(cursor)
        elif plan.case_days:
            rows += case_sums.apply_day_changes(cursor, plan.case_days)
    return rows + _rebuild_targets(plan.signals)


# ---------------------------------------------------------------------------------------------
# Lookup tables


def sync_scope_links() -> bool:
    """Make `ScopeLink` match the structure tree; True when it changed (every period must then
    be rebuilt: counts moved from one scope to another)."""
    wanted: set[tuple[int, int | None]] = set()
    for pk, path in Structure.objects.values_list("pk", "path"):
        wanted.add((pk, None))
        for segment in path.strip("/").split("/"):
            wanted.add((pk, int(segment)))
    present = set(ScopeLink.objects.values_list("structure_id", "scope_id"))
    if wanted == present:
        return False
    ScopeLink.objects.all().delete()
    ScopeLink.objects.bulk_create(
        [ScopeLink(structure_id=s, scope_id=a) for s, a in sorted(wanted, key=str)],
        batch_size=2000,
    )
    return True


def ensure_calendar(first: dt.date, last: dt.date) -> None:
    """`PeriodDay` rows for every day from `first` to `last` (both included); the calendar
    always stays one unbroken run of days."""
    known = PeriodDay.objects.filter(period=KINDS[0]).values_list("day", flat=True)
    known_first = known.order_by("day").first()
    known_last = known.order_by("-day").first()
    if known_first is None:
        missing = list(days(first, last))
    else:
        missing = [
            *days(min(first, known_first), known_first - dt.timedelta(days=1)),
            *days(known_last + dt.timedelta(days=1), max(last, known_last)),
        ]
    PeriodDay.objects.bulk_create(
        [
            PeriodDay(day=day, period=kind, start=period_start(kind, day))
            for day in missing
            for kind in KINDS
        ],
        batch_size=3000,
    )


# ---------------------------------------------------------------------------------------------
# What to rebuild

# table name -> {kind -> set of period starts}
Targets = dict[str, dict[str, set[dt.date]]]
SIGNAL_TABLES = ("feedbackcount", "searchgapcount")


def _horizons(today: dt.date) -> dict[str, dt.date]:
    cases = today - dt.timedelta(days=settings.CASE_RETENTION_DAYS)
    searches = today - dt.timedelta(days=settings.ADVICE_SEARCH_LOG_RETENTION_DAYS)
    # Votes are never purged: their periods are never frozen.
    return {"cases": cases, "feedbackcount": dt.date.min, "searchgapcount": searches}


def _source_first_day(today: dt.date) -> dt.date:
    candidates = [today]
    first_case = (
        Case.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    )
    if first_case is not None:
        candidates.append(timezone.localdate(first_case))
    first_vote = (
        Feedback.objects.order_by("created_on").values_list("created_on", flat=True).first()
    )
    if first_vote is not None:
        candidates.append(first_vote)
    first_search = (
        ZeroResultSearch.objects.order_by("searched_on")
        .values_list("searched_on", flat=True)
        .first()
    )
    if first_search is not None:
        candidates.append(first_search)
    return min(candidates)


def _full_targets(today: dt.date, *, first_build: bool) -> Targets:
    first = _source_first_day(today)
    horizons = _horizons(today)
    return {
        table: {
            kind: {
                start
                for start in starts_between(kind, first, today)
                if first_build or start >= horizons[table]  # frozen before the horizon
            }
            for kind in KINDS
        }
        for table in SIGNAL_TABLES
    }


# Events that change the key a case is counted under (its frequent error, its structure).
REKEYING_EVENTS = (EventKind.TAGGED, EventKind.REDIRECTED)


def _changed_case_days(since: dt.datetime, today: dt.date) -> list[dt.date]:
    """The local days whose counts may have changed since `since`, from the retention horizon
    on: the submission day of each new case, the decision day of each new decision, and both
    days of each case re-tagged or moved (its history says so) or changed without any event in
    its history (an edit outside the services: counted again to be safe). Other changes (a
    message, an invitation, a letter) change no count and recount nothing."""
    changed = Case.objects.filter(updated_at__gte=since)
    rekeyed = CaseEvent.objects.filter(kind__in=REKEYING_EVENTS, at__gte=since).values("case_id")
    traced = CaseEvent.objects.filter(at__gte=since).values("case_id")
    unsure = Q(pk__in=rekeyed) | (~Q(pk__in=traced) & ~Q(decided_at__gte=since))
    submission = changed.filter(Q(submitted_at__gte=since) | unsure)
    decision = changed.filter(decided_at__isnull=False).filter(Q(decided_at__gte=since) | unsure)
    found = set(submission.annotate(day=TruncDate("submitted_at")).values_list("day", flat=True))
    found |= set(decision.annotate(day=TruncDate("decided_at")).values_list("day", flat=True))
    horizon = _horizons(today)["cases"]
    return sorted(day for day in found if day >= horizon)


def _dirty_targets(since: dt.datetime, today: dt.date) -> Targets:
    since_day = timezone.localdate(since)
    sources = {
        "feedbackcount": set(
            Feedback.objects.filter(created_on__gte=since_day)
            .values_list("created_on", flat=True)
            .distinct()
        ),
        "searchgapcount": set(
            ZeroResultSearch.objects.filter(searched_on__gte=since_day)
            .values_list("searched_on", flat=True)
            .distinct()
        ),
    }
    horizons = _horizons(today)
    return {
        table: {
            kind: {
                start
                for start in (period_start(kind, day) for day in changed_days)
                if start >= horizons[table]
            }
            for kind in KINDS
        }
        for table, changed_days in sources.items()
    }


def _by_kind(targets: Targets) -> dict[str, dict[str, set[dt.date]]]:
    out: dict[str, dict[str, set[dt.date]]] = {kind: {} for kind in KINDS}
    for table, by_kind in targets.items():
        for kind, starts in by_kind.items():
            if starts:
                out[kind][table] = starts
    return {kind: tables for kind, tables in out.items() if tables}


def _runs(kind: str, starts: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive periods grouped: [(first start, last start), ...]."""
    runs: list[list[dt.date]] = []
    for start in sorted(starts):
        if runs and next_start(kind, runs[-1][1]) == start:
            runs[-1][1] = start
        else:
            runs.append([start, start])
    return [(first, last) for first, last in runs]


# ---------------------------------------------------------------------------------------------
# The SQL


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            # The groupings of a full rebuild spill to disk with the default 4 MB (this
            # transaction only; one rebuild at a time, behind the lock).
            cursor.execute("SET LOCAL work_mem = '512MB'")


def _clear_aggregates() -> None:
    """Empty every aggregate table (a rebuild of everything starts from nothing: periods whose
    sources are all gone must not keep their old counts)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in _ALL_AGGREGATES)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
    else:
        for model in _ALL_AGGREGATES:
            model.objects.all().delete()


_FEEDBACK_SQL = """
    INSERT INTO observatory_feedbackcount (period, start, entry_id, useful, not_useful)
    SELECT p.period, p.start, f.entry_id,
           SUM(CASE WHEN f.useful THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.useful THEN 0 ELSE 1 END)
    FROM advice_feedback f
    JOIN observatory_periodday p ON p.day = f.created_on AND p.period = %s
    WHERE f.created_on >= %s AND f.created_on < %s AND p.start >= %s AND p.start <= %s
    GROUP BY p.period, p.start, f.entry_id
"""

_SEARCH_GAP_SQL = """
    INSERT INTO observatory_searchgapcount (scope_id, period, start, life_event, query, searches)
    SELECT z.scope_id, p.period, p.start, z.life_event, z.query, COUNT(*)
    FROM (
        SELECT l.scope_id, s.searched_on, s.life_event, s.query
        FROM advice_zeroresultsearch s
        JOIN observatory_scopelink l ON l.structure_id = s.owner_id
        WHERE s.searched_on >= %s AND s.searched_on < %s
        UNION ALL
        SELECT NULL, s.searched_on, s.life_event, s.query
        FROM advice_zeroresultsearch s
        WHERE s.owner_id IS NULL AND s.searched_on >= %s AND s.searched_on < %s
    ) z
    JOIN observatory_periodday p ON p.day = z.searched_on AND p.period = %s
    WHERE p.start >= %s AND p.start <= %s
    GROUP BY z.scope_id, p.period, p.start, z.life_event, z.query
"""

_MODELS = {"feedbackcount": FeedbackCount, "searchgapcount": SearchGapCount}
_ALL_AGGREGATES = (
    DayCount,
    DayDelay,
    CaseCount,
    ScopeTotal,
    DecisionDelay,
    FeedbackCount,
    SearchGapCount,
)


def _rebuild_targets(targets: Targets) -> int:
    """Recount whole periods of the vote and search tables."""
    every_start = [
        start for by_kind in targets.values() for starts in by_kind.values() for start in starts
    ]
    if not every_start:
        return 0
    ensure_calendar(min(every_start), max(every_start) + dt.timedelta(days=31))
    rows = 0
    with connection.cursor() as cursor:
        for table, by_kind in targets.items():
            model = _MODELS[table]
            for kind, starts in by_kind.items():
                for first, last in _runs(kind, starts):
                    end = next_start(kind, last)
                    # No relation points at the aggregates: Django deletes them in one query.
                    model.objects.filter(period=kind, start__gte=first, start__lte=last).delete()
                    if table == "feedbackcount":
                        cursor.execute(_FEEDBACK_SQL, [kind, first, end, first, last])
                    else:
                        cursor.execute(_SEARCH_GAP_SQL, [first, end, first, end, kind, first, last])
                    rows += max(cursor.rowcount, 0)
    return rows
