"""The measured impact of a completed action: the error rate before and after it.

Rules
-----

* **Windows in whole ISO weeks.** The week containing the completion date is a transition
  week and is left out. *Before* = the W complete weeks just before it, *after* = the W
  complete weeks just after it, W = ``settings.OBSERVATORY_IMPACT_WEEKS`` (8 by default).
* **Equal windows.** While fewer than W weeks have fully elapsed after the completion week,
  both windows shrink to the n weeks elapsed (n equal weeks on each side) and the result is
  *provisional*; with n = 0 nothing is measurable yet.
* **Cases counted**: weekly ``CaseCount`` rows of the plan's structure (with its subtree),
  tagged with one of the plan's frequent errors, and of the plan's procedure when it has one;
  counted by submission week.
* **Rate**: cases per 1,000 filings when the plan has a procedure and the filing volumes the
  structure recorded for it cover every day of both windows (a record's filings are spread
  evenly over its days and prorated by the days it shares with a window); otherwise cases per
  week. Both windows always use the same basis.
* **Change** = (rate after - rate before) / rate before, in percent, from the unrounded rates
  (none when the rate before is zero); rates are shown to two decimals, the change to one.
  Every number it rests on is returned with it. Decimals only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from bonnefoi.observatory.models import Action, ActionStatus, CaseCount, FilingVolume, Period
from bonnefoi.observatory.periods import period_start

PER_1000_FILINGS = "per_1000_filings"
PER_WEEK = "per_week"
WEEK = dt.timedelta(days=7)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Window:
    first: dt.date  # a Monday
    last: dt.date  # a Sunday (inclusive)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def week_starts(self) -> list[dt.date]:
        return [self.first + WEEK * i for i in range(self.days // 7)]


@dataclass(frozen=True)
class Impact:
    measurable: bool
    provisional: bool = False
    weeks: int = 0  # in each window
    target_weeks: int = 0  # W, the full window
    before: Window | None = None
    after: Window | None = None
    cases_before: int = 0
    cases_after: int = 0
    filings_before: Decimal | None = None
    filings_after: Decimal | None = None
    rate_before: Decimal | None = None
    rate_after: Decimal | None = None
    change_percent: Decimal | None = None
    basis: str = PER_WEEK
    reason: str = ""  # why it is not measurable

    @property
    def per_1000_filings(self) -> bool:
        return self.basis == PER_1000_FILINGS


def impact_windows(completed_on: dt.date, today: dt.date, weeks: int) -> tuple[int, Window, Window]:
    """(n, before, after): n = the number of weeks of each window (0: nothing yet)."""
    transition = period_start(Period.WEEK, completed_on)
    after_first = transition + WEEK
    elapsed = max(0, (today - after_first).days // 7)
    n = min(weeks, elapsed)
    before = Window(transition - WEEK * n, transition - dt.timedelta(days=1))
    after = Window(after_first, after_first + WEEK * n - dt.timedelta(days=1))
    return n, before, after


def action_impact(action: Action, *, today: dt.date | None = None) -> Impact:
    """The impact of a completed action (rules in the module docstring)."""
    if action.status != ActionStatus.DONE or action.completed_on is None:
        return Impact(measurable=False, reason="L'action n'est pas réalisée.")
    today = today or timezone.localdate()
    n, before, after = impact_windows(action.completed_on, today, settings.OBSERVATORY_IMPACT_WEEKS)
    if n == 0:
        return Impact(
            measurable=False,
            reason=(
                "Pas encore mesurable : il faut au moins une semaine complète après la "
                "semaine de réalisation."
            ),
        )
    plan = action.plan
    cases_before = _cases(plan, before)
    cases_after = _cases(plan, after)
    filings = None
    if plan.procedure_id is not None:
        volumes = list(
            FilingVolume.objects.filter(
                structure_id=plan.structure_id,
                procedure_id=plan.procedure_id,
                first_day__lte=after.last,
                last_day__gte=before.first,
            )
        )
        if _covers(volumes, before) and _covers(volumes, after):
            filings = (_filings(volumes, before), _filings(volumes, after))
    if filings is not None:
        basis = PER_1000_FILINGS
        exact_before = Decimal(1000) * cases_before / filings[0]
        exact_after = Decimal(1000) * cases_after / filings[1]
    else:
        basis = PER_WEEK
        exact_before = Decimal(cases_before) / n
        exact_after = Decimal(cases_after) / n
    rate_before, rate_after = exact_before.quantize(CENT), exact_after.quantize(CENT)
    change = None
    if exact_before:
        change = (Decimal(100) * (exact_after - exact_before) / exact_before).quantize(TENTH)
    return Impact(
        measurable=True,
        provisional=n < settings.OBSERVATORY_IMPACT_WEEKS,
        weeks=n,
        target_weeks=settings.OBSERVATORY_IMPACT_WEEKS,
        before=before,
        after=after,
        cases_before=cases_before,
        cases_after=cases_after,
        filings_before=filings[0].quantize(CENT) if filings else None,
        filings_after=filings[1].quantize(CENT) if filings else None,
        rate_before=rate_before,
        rate_after=rate_after,
        change_percent=change,
        basis=basis,
    )


def _cases(plan, window: Window) -> int:
    rows = CaseCount.objects.filter(
        scope_key=plan.structure_id,
        period=Period.WEEK,
        start__gte=window.first,
        start__lte=window.last,
        entry__in=plan.entries.all(),
    )
    if plan.procedure_id is not None:
        rows = rows.filter(procedure_id=plan.procedure_id)
    return rows.aggregate(n=Sum("received"))["n"] or 0


def _overlap(volume: FilingVolume, window: Window) -> int:
    first = max(volume.first_day, window.first)
    last = min(volume.last_day, window.last)
    return max(0, (last - first).days + 1)


def _covers(volumes: list[FilingVolume], window: Window) -> bool:
    """Every day of the window lies in at least one record."""
    day = window.first
    for volume in sorted(volumes, key=lambda v: v.first_day):
        if volume.first_day > day:
            break
        if volume.last_day >= day:
            day = volume.last_day + dt.timedelta(days=1)
        if day > window.last:
            return True
    return day > window.last


def _filings(volumes: list[FilingVolume], window: Window) -> Decimal:
    """Filings of the window, each record spread evenly over its days."""
    total = Decimal(0)
    for volume in volumes:
        shared = _overlap(volume, window)
        if shared:
            span = (volume.last_day - volume.first_day).days + 1
            total += Decimal(volume.filings) * shared / span
    return total
