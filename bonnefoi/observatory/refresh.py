"""Rebuild of the observatory's aggregates from the cases, the advice feedback and the search
log (read only).

Each aggregate row is one scope × one period; a rebuild replaces whole periods, with one
``INSERT … SELECT`` per table and kind of period, run by the database (PostgreSQL or SQLite):
cases are first grouped per local day, structure, procedure and frequent error, then joined with
`PeriodDay` (day → period) and `ScopeLink` (structure → every scope it counts in) and summed.

* **Incremental** (the default, every few minutes): the periods containing a day that changed
  since the last rebuild — the submission and decision days of every case modified since then
  (a new case, a tag, a decision, a redirection), and the days of new votes and searches.
* **Full** (nightly, or when the structure tree changed): every period from the retention
  horizon on.

**Frozen periods.** Cases closed for more than ``CASE_RETENTION_DAYS`` and searches older than
``ADVICE_SEARCH_LOG_RETENTION_DAYS`` are purged, but their counts are statistics worth keeping.
A period that starts before its source's horizon is therefore never rebuilt once it has been
counted: only the very first rebuild, or ``rebuild(everything=True)``, writes it.

Everything runs in one transaction behind a lock, so readers see either the old or the new
figures, and two rebuilds never interleave.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from bonnefoi.advice.models import Feedback, ZeroResultSearch
from bonnefoi.cases.models import Case
from bonnefoi.observatory.models import (
    CaseCount,
    DecisionDelay,
    FeedbackCount,
    PeriodDay,
    RefreshKind,
    RefreshRun,
    ScopeLink,
    SearchGapCount,
)
from bonnefoi.observatory.periods import KINDS, days, next_start, period_start, starts_between
from bonnefoi.structures.models import Structure

# A transaction that set `updated_at` before the last rebuild started may commit after it:
# the next incremental rebuild looks this far back.
SAFETY_MARGIN = dt.timedelta(minutes=10)
_LOCK_KEY = 0x0B5E_0001  # PostgreSQL advisory lock of the rebuild


@dataclass
class RefreshResult:
    kind: str
    periods: dict[str, list[dt.date]] = field(default_factory=dict)
    rows: int = 0
    tree_changed: bool = False

    @property
    def period_count(self) -> int:
        return sum(len(starts) for starts in self.periods.values())


# ---------------------------------------------------------------------------------------------
# Entry points


def rebuild(*, full: bool = False, everything: bool = False, now=None) -> RefreshResult:
    """Rebuild the aggregates (incremental unless `full`); `everything` also rewrites the
    frozen periods (their purged cases are then lost from the counts)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        last = RefreshRun.objects.filter(finished_at__isnull=False).first()
        run = RefreshRun.objects.create(
            kind=RefreshKind.FULL if (full or everything or last is None) else "incremental",
            started_at=now,
        )
        tree_changed = sync_scope_links()
        today = timezone.localdate(now)
        if run.kind == RefreshKind.FULL or tree_changed:
            first_build = everything or last is None
            if first_build:
                _clear_aggregates()
            targets = _full_targets(today, first_build=first_build)
            run.kind = RefreshKind.FULL
        else:
            targets = _dirty_targets(last.started_at - SAFETY_MARGIN, today)
        result = RefreshResult(kind=run.kind, tree_changed=tree_changed)
        result.rows = _rebuild_targets(targets)
        result.periods = {
            kind: sorted({start for starts in by_table.values() for start in starts})
            for kind, by_table in _by_kind(targets).items()
        }
        run.finished_at = timezone.now()
        run.periods = result.period_count
        run.rows = result.rows
        run.save()
    return result


def planned(*, full: bool = False, everything: bool = False, now=None) -> dict[str, list]:
    """What `rebuild` would recompute now, per table: {table: [(kind, start), ...]}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = RefreshRun.objects.filter(finished_at__isnull=False).first()
    if full or everything or last is None:
        targets = _full_targets(today, first_build=everything or last is None)
    else:
        targets = _dirty_targets(last.started_at - SAFETY_MARGIN, today)
    return {
        table: sorted((kind, start) for kind, starts in by_kind.items() for start in starts)
        for table, by_kind in targets.items()
    }


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
CASE_TABLES = ("casecount", "decisiondelay")
TABLES = (*CASE_TABLES, "feedbackcount", "searchgapcount")


def _horizons(today: dt.date) -> dict[str, dt.date]:
    cases = today - dt.timedelta(days=settings.CASE_RETENTION_DAYS)
    searches = today - dt.timedelta(days=settings.ADVICE_SEARCH_LOG_RETENTION_DAYS)
    # Votes are never purged: their periods are never frozen.
    return {
        "casecount": cases,
        "decisiondelay": cases,
        "feedbackcount": dt.date.min,
        "searchgapcount": searches,
    }


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
    return {
        table: {
            kind: {
                start
                for start in starts_between(kind, first, today)
                if first_build or start >= horizon  # frozen before the horizon
            }
            for kind in KINDS
        }
        for table, horizon in _horizons(today).items()
    }


def _dirty_targets(since: dt.datetime, today: dt.date) -> Targets:
    changed = Case.objects.filter(updated_at__gte=since)
    case_days = set(
        changed.annotate(day=TruncDate("submitted_at")).values_list("day", flat=True).distinct()
    )
    case_days |= set(
        changed.filter(decided_at__isnull=False)
        .annotate(day=TruncDate("decided_at"))
        .values_list("day", flat=True)
        .distinct()
    )
    since_day = timezone.localdate(since)
    vote_days = set(
        Feedback.objects.filter(created_on__gte=since_day)
        .values_list("created_on", flat=True)
        .distinct()
    )
    search_days = set(
        ZeroResultSearch.objects.filter(searched_on__gte=since_day)
        .values_list("searched_on", flat=True)
        .distinct()
    )
    sources = {
        "casecount": case_days,
        "decisiondelay": case_days,
        "feedbackcount": vote_days,
        "searchgapcount": search_days,
    }
    horizons = _horizons(today)
    targets: Targets = {}
    for table, changed_days in sources.items():
        targets[table] = {
            kind: {
                start
                for start in (period_start(kind, day) for day in changed_days)
                if start >= horizons[table]
            }
            for kind in KINDS
        }
    return targets


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
            # The grouping sorts of a full rebuild spill to disk with the default 4 MB.
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _clear_aggregates() -> None:
    """Empty every aggregate table (a rebuild of everything starts from nothing: periods whose
    sources are all gone must not keep their old counts)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in _MODELS.values())
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
    else:
        for model in _MODELS.values():
            model.objects.all().delete()


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _local_day(column: str) -> str:
    """SQL for the local calendar day of a timestamp column (time zone from the settings)."""
    zoneinfo.ZoneInfo(settings.TIME_ZONE)  # a real zone name, safe to write as a literal
    sql, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
    return sql % tuple(_literal(str(param)) for param in params)


def _days_between(first: str, last: str) -> str:
    if connection.vendor == "postgresql":
        return f"({last} - {first})"
    return f"CAST(julianday({last}) - julianday({first}) AS INTEGER)"


def _bounds(first_start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(first_start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def _case_count_sql() -> str:
    submitted, decided = _local_day("c.submitted_at"), _local_day("c.decided_at")
    return f"""
    INSERT INTO observatory_casecount
        (scope_id, period, start, procedure_id, entry_id,
         received, decided, granted, waived, waived_amount)
    SELECT l.scope_id, p.period, p.start, d.procedure_id, d.entry_id,
           SUM(d.received), SUM(d.decided), SUM(d.granted), SUM(d.waived), SUM(d.waived_amount)
    FROM (
        SELECT {submitted} AS day, c.structure_id, c.procedure_id, c.entry_id,
               COUNT(*) AS received, 0 AS decided, 0 AS granted, 0 AS waived,
               0 AS waived_amount
        FROM cases_case c
        WHERE c.submitted_at >= %s AND c.submitted_at < %s
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT {decided} AS day, c.structure_id, c.procedure_id, c.entry_id,
               0, COUNT(*),
               SUM(CASE WHEN x.outcome = 'granted' THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.outcome = 'granted' AND x.sanction_amount_eur > 0
                        THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.outcome = 'granted' AND x.sanction_amount_eur > 0
                        THEN x.sanction_amount_eur ELSE 0 END)
        FROM cases_case c JOIN cases_decision x ON x.case_id = c.id
        WHERE c.decided_at >= %s AND c.decided_at < %s
        GROUP BY 1, 2, 3, 4
    ) d
    JOIN observatory_periodday p ON p.day = d.day AND p.period = %s
    JOIN observatory_scopelink l ON l.structure_id = d.structure_id
    WHERE p.start >= %s AND p.start <= %s
    GROUP BY l.scope_id, p.period, p.start, d.procedure_id, d.entry_id
    """  # noqa: S608 (no user input: the day expressions come from the settings)


def _decision_delay_sql() -> str:
    submitted, decided = _local_day("c.submitted_at"), _local_day("c.decided_at")
    return f"""
    INSERT INTO observatory_decisiondelay (scope_id, period, start, days, decisions)
    SELECT l.scope_id, p.period, p.start, d.days, SUM(d.n)
    FROM (
        SELECT {decided} AS day, c.structure_id, {_days_between(submitted, decided)} AS days,
               COUNT(*) AS n
        FROM cases_case c
        WHERE c.decided_at >= %s AND c.decided_at < %s
        GROUP BY 1, 2, 3
    ) d
    JOIN observatory_periodday p ON p.day = d.day AND p.period = %s
    JOIN observatory_scopelink l ON l.structure_id = d.structure_id
    WHERE p.start >= %s AND p.start <= %s
    GROUP BY l.scope_id, p.period, p.start, d.days
    """  # noqa: S608 (no user input: the day expressions come from the settings)


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

_MODELS = {
    "casecount": CaseCount,
    "decisiondelay": DecisionDelay,
    "feedbackcount": FeedbackCount,
    "searchgapcount": SearchGapCount,
}


def _rebuild_targets(targets: Targets) -> int:
    every_start = [
        start for by_kind in targets.values() for starts in by_kind.values() for start in starts
    ]
    if not every_start:
        return 0
    # A quarter is at most 92 days long.
    ensure_calendar(min(every_start), max(every_start) + dt.timedelta(days=92))
    case_count_sql, decision_delay_sql = _case_count_sql(), _decision_delay_sql()
    rows = 0
    with connection.cursor() as cursor:
        for table, by_kind in targets.items():
            model = _MODELS[table]
            for kind, starts in by_kind.items():
                for first, last in _runs(kind, starts):
                    end = next_start(kind, last)
                    # No relation points at the aggregates: Django deletes them in one query.
                    model.objects.filter(period=kind, start__gte=first, start__lte=last).delete()
                    low, high = _bounds(first, end)
                    if table == "casecount":
                        cursor.execute(case_count_sql, [low, high, low, high, kind, first, last])
                    elif table == "decisiondelay":
                        cursor.execute(decision_delay_sql, [low, high, kind, first, last])
                    elif table == "feedbackcount":
                        cursor.execute(_FEEDBACK_SQL, [kind, first, end, first, last])
                    else:
                        cursor.execute(_SEARCH_GAP_SQL, [first, end, first, end, kind, first, last])
                    rows += max(cursor.rowcount, 0)
    return rows
