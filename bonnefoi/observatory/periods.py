"""Calendar periods of the observatory: ISO weeks (Monday to Sunday), months and quarters, in
local time (Europe/Paris). Pure Python, no Django."""

import datetime as dt
from collections.abc import Iterator

WEEK, MONTH, QUARTER = "week", "month", "quarter"
KINDS = (WEEK, MONTH, QUARTER)


def period_start(kind: str, day: dt.date) -> dt.date:
    """The first day of the period of `kind` that contains `day`."""
    if kind == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if kind == MONTH:
        return day.replace(day=1)
    if kind == QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"Période inconnue : {kind!r}")


def next_start(kind: str, start: dt.date) -> dt.date:
    """The first day of the period that follows the one starting on `start`."""
    if kind == WEEK:
        return start + dt.timedelta(days=7)
    months = 1 if kind == MONTH else 3
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def previous_start(kind: str, start: dt.date) -> dt.date:
    return period_start(kind, start - dt.timedelta(days=1))


def starts_between(kind: str, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The starts of every period of `kind` that meets the days `first`..`last` (inclusive)."""
    start = period_start(kind, first)
    while start <= last:
        yield start
        start = next_start(kind, start)


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def label(kind: str, start: dt.date) -> str:
    """A short French label: « semaine du 02/03/2026 », « mars 2026 », « T1 2026 »."""
    if kind == WEEK:
        return f"semaine du {start:%d/%m/%Y}"
    if kind == MONTH:
        return f"{MONTH_NAMES[start.month - 1]} {start.year}"
    return f"T{(start.month - 1) // 3 + 1} {start.year}"


MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
