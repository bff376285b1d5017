"""Derived facts: what the engine works out from several given facts (mostly dates).

Each one returns ``(value, missing)``: a value True/False, or None with the given facts that
would settle it. Side results an explanation needs (the effective deadline, review flags) go to
``ctx.notes``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bonnefoi.core.deadlines import (
    Zone,
    add_months,
    nominal_end,
    working_day_extension,
    zone_for_department,
)
from bonnefoi.rules.enums import Regularisation
from bonnefoi.rules.logic import Context

_ALL_ZONES = tuple(Zone)


@dataclass(frozen=True, slots=True)
class Derived:
    name: str  # its French label is in data/facts.toml, like every fact
    inputs: tuple[str, ...]
    compute: Callable[[Context], tuple]


def _deadline_end(ctx: Context, zone: Zone) -> tuple[date, tuple[str, ...]]:
    """(effective last day, why it moved): the stated day or the rule's nominal end, extended
    to the next working day of `zone` (CPC 641-642 by analogy, core.deadlines)."""
    situation = ctx.situation
    stated = situation.dates.deadline_stated
    if stated is None:
        stated = nominal_end(situation.dates.invitation, situation.deadline_rule)
    return working_day_extension(stated, zone)


_zone_of = lru_cache(maxsize=None)(zone_for_department)


def _computed_timeliness(ctx: Context) -> tuple:
    """Was the regularisation done by the effective deadline? (value, missing facts)."""
    situation = ctx.situation
    dates = situation.dates
    rule = situation.deadline_rule
    if rule == "none" and dates.deadline_stated is None:
        ctx.notes["invitation_without_deadline"] = True
        return None, ()
    missing = []
    if dates.deadline_stated is None:
        if rule is None or rule == "next_declaration":
            missing.append("dates.deadline_stated")
        elif dates.invitation is None:
            missing.append("dates.invitation")
    if dates.regularisation is None:
        missing.append("dates.regularisation")
    if missing:
        return None, tuple(missing)
    department = situation.location.department
    if department is not None:
        computed = _deadline_end(ctx, _zone_of(department))
        ctx.notes["deadline"] = computed
        return dates.regularisation <= computed[0], ()
    # Unknown department: the answer stands only if every holiday zone gives the same one.
    deadlines = [_deadline_end(ctx, zone) for zone in _ALL_ZONES]
    outcomes = {dates.regularisation <= end for end, _reasons in deadlines}
    if len(outcomes) == 1:
        ctx.notes["deadline_zone_unknown"] = True
        if len({end for end, _reasons in deadlines}) == 1:
            ctx.notes["deadline"] = deadlines[0]  # same last day in every holiday zone
        return outcomes.pop(), ()
    return None, ("location.department",)


def _regularised_in_time(ctx: Context) -> tuple:
    regularised = ctx.situation.regularised
    if regularised is None:
        return None, ("regularised",)
    if regularised is Regularisation.SPONTANEOUSLY:
        return True, ()
    if regularised is Regularisation.NOT_REGULARISED:
        return False, ()
    computed, missing = _computed_timeliness(ctx)
    if regularised is Regularisation.AFTER_INVITATION:
        return computed, missing
    declared = regularised is Regularisation.AFTER_INVITATION_WITHIN_DEADLINE
    if computed is not None and computed != declared:
        ctx.notes["timeliness_recomputed"] = True
        return computed, ()
    return declared, ()


def _days_request_to_complementary(ctx: Context) -> tuple:
    situation = ctx.situation
    days = situation.days_from_request_to_complementary_declaration
    if days is not None:
        return days, ()
    request, complementary = situation.dates.request, situation.dates.complementary_declaration
    if request is not None and complementary is not None:
        return (complementary - request).days, ()
    return None, ("days_from_request_to_complementary_declaration",)


_CUSTOMS_RECOVERY_MONTHS = 36  # droit de reprise of customs: 3 years (brief §2.5)


def _within_customs_recovery_period(ctx: Context) -> tuple:
    dates = ctx.situation.dates
    missing = tuple(
        name
        for name, value in (
            ("dates.error", dates.error),
            ("dates.regularisation", dates.regularisation),
        )
        if value is None
    )
    if missing:
        return None, missing
    limit: date = add_months(dates.error, _CUSTOMS_RECOVERY_MONTHS)
    return dates.regularisation <= limit, ()


DERIVED: dict[str, Derived] = {
    d.name: d
    for d in (
        Derived(
            "derived.regularised_in_time",
            (
                "regularised",
                "dates.invitation",
                "dates.deadline_stated",
                "deadline_rule",
                "dates.regularisation",
                "location.department",
            ),
            _regularised_in_time,
        ),
        Derived(
            "derived.days_request_to_complementary",
            (
                "days_from_request_to_complementary_declaration",
                "dates.request",
                "dates.complementary_declaration",
            ),
            _days_request_to_complementary,
        ),
        Derived(
            "derived.within_customs_recovery_period",
            ("dates.error", "dates.regularisation"),
            _within_customs_recovery_period,
        ),
    )
}
