"""The case side of the rebuild, in SQL run by the database (PostgreSQL or SQLite alike).

Two steps, the same whether everything or one day is recounted:

1. **Day tables** (`DayCount`, `DayDelay`): cases grouped per local day, structure, procedure
   and frequent error — the submission day for ``received``, the decision day for the rest.
2. **Rollups** (`CaseCount`, `DecisionDelay`): day rows joined with `PeriodDay` (day → week and
   month) and `ScopeLink` (structure → every scope it counts in), then summed.

A full rebuild recounts the day tables from the horizon on and sums the rollups again from all
day rows. An incremental rebuild recounts only the changed days and *adds the difference*
(new day rows minus old ones) to the rollups with ``INSERT … ON CONFLICT DO UPDATE``: a late tag
on a case of last spring moves one case between two rows instead of rewriting a whole quarter.
"""

# ruff: noqa: S608  (SQL built from table names, column names and placeholders only; no input)

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

_MEASURES = ("received", "decided", "granted", "waived", "waived_amount")


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


def bounds(first: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes at local midnight of `first` and of `end` (exclusive)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def _in(days: Sequence[dt.date]) -> str:
    return "(" + ", ".join(["%s"] * len(days)) + ")"


Runs = list[tuple[dt.date, dt.date]]  # [(first day, day after the last), ...]


def runs_of(days: Sequence[dt.date]) -> Runs:
    """Consecutive days grouped into half-open ranges."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + dt.timedelta(days=1)
        else:
            runs.append([day, day + dt.timedelta(days=1)])
    return [(first, end) for first, end in runs]


def _within(column: str, runs: Runs) -> str:
    """`column` in any of the runs (each an indexed range scan)."""
    return "(" + " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in runs) + ")"


def _run_params(runs: Runs) -> list:
    # Adapted as Django does for a DateTimeField (SQLite compares UTC text, not aware values).
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(bound) for first, end in runs for bound in bounds(first, end)]


# --- Day rows straight from the cases -------------------------------------------------------


def _day_counts_from_cases(runs: Runs) -> str:
    """SELECT of day rows (day, structure_id, procedure_id, entry_key, measures...) for the
    cases submitted or decided on the days of `runs` (parameters: `_case_params`)."""
    submitted, decided = _local_day("c.submitted_at"), _local_day("c.decided_at")
    return f"""
    SELECT u.day, u.structure_id, u.procedure_id, u.entry_key,
           SUM(u.received) AS received, SUM(u.decided) AS decided, SUM(u.granted) AS granted,
           SUM(u.waived) AS waived, SUM(u.waived_amount) AS waived_amount
    FROM (
        SELECT {submitted} AS day, c.structure_id, c.procedure_id,
               COALESCE(c.entry_id, 0) AS entry_key,
               COUNT(*) AS received, 0 AS decided, 0 AS granted, 0 AS waived,
               0 AS waived_amount
        FROM cases_case c
        WHERE {_within("c.submitted_at", runs)}
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT {decided} AS day, c.structure_id, c.procedure_id,
               COALESCE(c.entry_id, 0) AS entry_key,
               0, COUNT(*),
               SUM(CASE WHEN x.outcome = 'granted' THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.outcome = 'granted' AND x.sanction_amount_eur > 0
                        THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.outcome = 'granted' AND x.sanction_amount_eur > 0
                        THEN x.sanction_amount_eur ELSE 0 END)
        FROM cases_case c JOIN cases_decision x ON x.case_id = c.id
        WHERE {_within("c.decided_at", runs)}
        GROUP BY 1, 2, 3, 4
    ) u
    GROUP BY u.day, u.structure_id, u.procedure_id, u.entry_key
    """


def _day_delays_from_cases(runs: Runs) -> str:
    """SELECT of (day, structure_id, days, decisions) for the decisions on the days of `runs`
    (parameters: `_run_params`)."""
    submitted, decided = _local_day("c.submitted_at"), _local_day("c.decided_at")
    return f"""
    SELECT u.day, u.structure_id, u.days, COUNT(*) AS decisions
    FROM (
        SELECT {decided} AS day, c.structure_id, {_days_between(submitted, decided)} AS days
        FROM cases_case c
        WHERE {_within("c.decided_at", runs)}
    ) u
    GROUP BY u.day, u.structure_id, u.days
    """


def _case_params(runs: Runs) -> list:
    return [*_run_params(runs), *_run_params(runs)]


# --- Full rebuild ---------------------------------------------------------------------------


@contextmanager
def bulk_load(cursor, tables: Sequence[str]) -> Iterator[None]:
    """On PostgreSQL, write `tables` without their primary key and build it once at the end:
    an index built from millions of rows at once costs far less than as many random inserts.
    Readers lose nothing: the rebuild's TRUNCATE or DELETE already holds them until commit,
    and a failure rolls the keys back with everything else."""
    if connection.vendor != "postgresql":
        yield
        return
    keys = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        for name, definition in cursor.fetchall():
            keys.append((table, name, definition))
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(f"ANALYZE {', '.join(tables)}")


_COUNT_COLUMNS = "day, structure_id, procedure_id, entry_key, " + ", ".join(_MEASURES)


def recount_days(cursor, first: dt.date, end: dt.date) -> int:
    """Recount the day tables for every day in [first, end)."""
    cursor.execute("DELETE FROM observatory_daycount WHERE day >= %s AND day < %s", [first, end])
    cursor.execute("DELETE FROM observatory_daydelay WHERE day >= %s AND day < %s", [first, end])
    runs = [(first, end)]
    with bulk_load(cursor, ("observatory_daycount", "observatory_daydelay")):
        cursor.execute(
            f"INSERT INTO observatory_daycount ({_COUNT_COLUMNS}) {_day_counts_from_cases(runs)}",
            _case_params(runs),
        )
        rows = max(cursor.rowcount, 0)
        cursor.execute(
            "INSERT INTO observatory_daydelay (day, structure_id, days, decisions) "
            + _day_delays_from_cases(runs),
            _run_params(runs),
        )
        rows += max(cursor.rowcount, 0)
    return rows


# Rollups in two groupings: day rows into (structure, period) rows first, then these — far
# fewer — spread over the scopes; one big grouping of every day row × scope spills to disk.
_ROLLUP_COUNTS = f"""
    INSERT INTO observatory_casecount
        (scope_id, scope_key, period, start, procedure_id, entry_id, entry_key,
         {", ".join(_MEASURES)})
    SELECT l.scope_id, COALESCE(l.scope_id, 0), s.period, s.start, s.procedure_id,
           NULLIF(s.entry_key, 0), s.entry_key,
           {", ".join(f"SUM(s.{m})" for m in _MEASURES)}
    FROM (
        SELECT d.structure_id, p.period, p.start, d.procedure_id, d.entry_key,
               {", ".join(f"SUM(d.{m}) AS {m}" for m in _MEASURES)}
        FROM {{source}} d
        JOIN observatory_periodday p ON p.day = d.day
        GROUP BY d.structure_id, p.period, p.start, d.procedure_id, d.entry_key
    ) s
    JOIN observatory_scopelink l ON l.structure_id = s.structure_id
    WHERE {{scopes}}
    GROUP BY l.scope_id, s.period, s.start, s.procedure_id, s.entry_key
"""

_ROLLUP_DELAYS = """
    INSERT INTO observatory_decisiondelay (scope_id, scope_key, period, start, days, decisions)
    SELECT l.scope_id, COALESCE(l.scope_id, 0), s.period, s.start, s.days, SUM(s.decisions)
    FROM (
        SELECT d.structure_id, p.period, p.start, d.days, SUM(d.decisions) AS decisions
        FROM {source} d
        JOIN observatory_periodday p ON p.day = d.day
        GROUP BY d.structure_id, p.period, p.start, d.days
    ) s
    JOIN observatory_scopelink l ON l.structure_id = s.structure_id
    WHERE {scopes}
    GROUP BY l.scope_id, s.period, s.start, s.days
"""


_TOTAL_MEASURES = ("received", "tagged", "decided", "granted", "waived", "waived_amount")
_ROLLUP_TOTALS = f"""
    INSERT INTO observatory_scopetotal
        (scope_id, scope_key, period, start, {", ".join(_TOTAL_MEASURES)})
    SELECT l.scope_id, COALESCE(l.scope_id, 0), p.period, p.start,
           SUM(d.received), SUM(CASE WHEN d.entry_key <> 0 THEN d.received ELSE 0 END),
           SUM(d.decided), SUM(d.granted), SUM(d.waived), SUM(d.waived_amount)
    FROM {{source}} d
    JOIN observatory_periodday p ON p.day = d.day
    JOIN observatory_scopelink l ON l.structure_id = d.structure_id
    WHERE 1 = 1
    GROUP BY l.scope_id, p.period, p.start
"""
ROLLUP_TABLES = ("observatory_casecount", "observatory_scopetotal", "observatory_decisiondelay")


def sum_rollups(cursor) -> int:
    """Empty the rollups and sum them again from every day row."""
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(ROLLUP_TABLES)}")
    else:
        for table in ROLLUP_TABLES:
            cursor.execute(f"DELETE FROM {table}")
    rows = 0
    # Every scope but the country first; the country is then the sum of the root networks,
    # already grouped (a fifth of the big grouping saved).
    structures = "l.scope_id IS NOT NULL"
    with bulk_load(cursor, ROLLUP_TABLES):
        for sql in (
            _ROLLUP_COUNTS.format(source="observatory_daycount", scopes=structures),
            _COUNTRY_COUNTS,
            _TOTALS_FROM_COUNTS,
            _ROLLUP_DELAYS.format(source="observatory_daydelay", scopes=structures),
            _COUNTRY_DELAYS,
        ):
            cursor.execute(sql)
            rows += max(cursor.rowcount, 0)
    return rows


_ROOTS = "SELECT id FROM structures_structure WHERE parent_id IS NULL"
_COUNTRY_COUNTS = f"""
    INSERT INTO observatory_casecount
        (scope_id, scope_key, period, start, procedure_id, entry_id, entry_key,
         {", ".join(_MEASURES)})
    SELECT NULL, 0, period, start, procedure_id, entry_id, entry_key,
           {", ".join(f"SUM({m})" for m in _MEASURES)}
    FROM observatory_casecount
    WHERE scope_key IN ({_ROOTS})
    GROUP BY period, start, procedure_id, entry_id, entry_key
"""
_COUNTRY_DELAYS = f"""
    INSERT INTO observatory_decisiondelay (scope_id, scope_key, period, start, days, decisions)
    SELECT NULL, 0, period, start, days, SUM(decisions)
    FROM observatory_decisiondelay
    WHERE scope_key IN ({_ROOTS})
    GROUP BY period, start, days
"""


# Totals of a full rebuild: summed from the (already grouped) rollup rather than the day rows.
_TOTALS_FROM_COUNTS = f"""
    INSERT INTO observatory_scopetotal
        (scope_id, scope_key, period, start, {", ".join(_TOTAL_MEASURES)})
    SELECT scope_id, scope_key, period, start,
           SUM(received), SUM(CASE WHEN entry_key <> 0 THEN received ELSE 0 END),
           SUM(decided), SUM(granted), SUM(waived), SUM(waived_amount)
    FROM observatory_casecount
    GROUP BY scope_id, scope_key, period, start
"""


# --- Incremental: add each changed day's difference -----------------------------------------


_COUNT_DELTA, _DELAY_DELTA = "observatory_delta_daycount", "observatory_delta_daydelay"
_COUNT_KEY = "day, structure_id, procedure_id, entry_key"
_DELAY_KEY = "day, structure_id, days"


def _temporary(cursor, name: str, select: str, params: list) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} AS {select}", params)


def apply_day_changes(cursor, days: Sequence[dt.date]) -> int:
    """Recount `days` and add (new − old) to the day tables and the rollups.

    The difference is computed once, in a temporary table holding only the day rows that
    changed; it is then added to the day tables and spread over the scopes and periods. A day
    of activity costs what changed that day, not the size of the days it touched."""
    days = sorted(set(days))
    if not days:
        return 0
    runs = runs_of(days)
    negated = ", ".join(f"-{m}" for m in _MEASURES)
    _temporary(
        cursor,
        _COUNT_DELTA,
        f"""SELECT {_COUNT_KEY}, {", ".join(f"SUM({m}) AS {m}" for m in _MEASURES)}
        FROM (
            {_day_counts_from_cases(runs)}
            UNION ALL
            SELECT {_COUNT_KEY}, {negated}
            FROM observatory_daycount WHERE day IN {_in(days)}
        ) z
        GROUP BY {_COUNT_KEY}
        HAVING {" OR ".join(f"SUM({m}) <> 0" for m in _MEASURES)}""",
        [*_case_params(runs), *days],
    )
    _temporary(
        cursor,
        _DELAY_DELTA,
        f"""SELECT {_DELAY_KEY}, SUM(decisions) AS decisions
        FROM (
            {_day_delays_from_cases(runs)}
            UNION ALL
            SELECT {_DELAY_KEY}, -decisions
            FROM observatory_daydelay WHERE day IN {_in(days)}
        ) z
        GROUP BY {_DELAY_KEY}
        HAVING SUM(decisions) <> 0""",
        [*_run_params(runs), *days],
    )
    rows = 0
    nonzero = " OR ".join(f"SUM(s.{m}) <> 0" for m in _MEASURES)  # the counts' outer alias
    nonzero_totals = " OR ".join(f"SUM(d.{m}) <> 0" for m in _MEASURES)
    counts = ", ".join(f"{m} = observatory_casecount.{m} + excluded.{m}" for m in _MEASURES)
    totals = ", ".join(f"{m} = observatory_scopetotal.{m} + excluded.{m}" for m in _TOTAL_MEASURES)
    day_counts = ", ".join(f"{m} = observatory_daycount.{m} + excluded.{m}" for m in _MEASURES)
    for sql in (
        _ROLLUP_COUNTS.format(source=_COUNT_DELTA, scopes="1 = 1")
        + f" HAVING {nonzero} ON CONFLICT (scope_key, period, start, procedure_id, entry_key)"
        + f" DO UPDATE SET {counts}",
        _ROLLUP_TOTALS.format(source=_COUNT_DELTA)
        + f" HAVING {nonzero_totals} ON CONFLICT (scope_key, period, start)"
        + f" DO UPDATE SET {totals}",
        _ROLLUP_DELAYS.format(source=_DELAY_DELTA, scopes="1 = 1")
        + " HAVING SUM(s.decisions) <> 0 ON CONFLICT (scope_key, period, start, days)"
        + " DO UPDATE SET decisions = observatory_decisiondelay.decisions + excluded.decisions",
        # The day tables take the same differences; rows that fall to zero go.
        f"INSERT INTO observatory_daycount ({_COUNT_COLUMNS}) SELECT {_COUNT_COLUMNS}"
        f" FROM {_COUNT_DELTA} WHERE 1 = 1 ON CONFLICT ({_COUNT_KEY}) DO UPDATE SET {day_counts}",
        f"INSERT INTO observatory_daydelay ({_DELAY_KEY}, decisions) SELECT {_DELAY_KEY},"
        f" decisions FROM {_DELAY_DELTA} WHERE 1 = 1 ON CONFLICT ({_DELAY_KEY})"
        " DO UPDATE SET decisions = observatory_daydelay.decisions + excluded.decisions",
    ):
        cursor.execute(sql)
        rows += max(cursor.rowcount, 0)
    zero = " AND ".join(f"{m} = 0" for m in _MEASURES)
    cursor.execute(f"DELETE FROM observatory_daycount WHERE day IN {_in(days)} AND {zero}", days)
    cursor.execute(
        f"DELETE FROM observatory_daydelay WHERE day IN {_in(days)} AND decisions = 0", days
    )
    for name in (_COUNT_DELTA, _DELAY_DELTA):
        cursor.execute(f"DROP TABLE {name}")
    return rows
