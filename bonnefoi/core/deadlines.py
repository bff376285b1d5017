"""Pure-Python deadline calculator (no Django import: usable by any rules engine).

Deadlines "N days / N months after an act" follow Code de procédure civile articles 640 to 642,
applied *by analogy* to administrative deadlines (domain brief §3). Public holidays come from the
``holidays`` library, corrected per zone against the brief's list (see ``_holiday_table``).
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from types import MappingProxyType

import holidays
from dateutil.easter import easter  # python-dateutil is a dependency of `holidays`


class Zone(StrEnum):
    METROPOLE = "metropole"
    ALSACE_MOSELLE = "alsace_moselle"
    GUADELOUPE = "guadeloupe"
    MARTINIQUE = "martinique"
    GUYANE = "guyane"
    REUNION = "reunion"
    MAYOTTE = "mayotte"
    SAINT_MARTIN = "saint_martin"
    SAINT_BARTHELEMY = "saint_barthelemy"


# Subdivision codes of `holidays.France`. The library has no "67"/"68": Bas-Rhin and Haut-Rhin
# are its "6AE" (Alsace), which yields exactly the same days as "57" (Moselle).
# [M] Alsace-Moselle: the Good Friday text concerns communes having a Protestant church or a
# mixed church, but the day is observed in all three departments in practice, so the whole zone
# gets it here.
_LIBRARY_SUBDIV: dict[Zone, str | None] = {
    Zone.METROPOLE: None,
    Zone.ALSACE_MOSELLE: "57",
    Zone.GUADELOUPE: "971",
    Zone.MARTINIQUE: "972",
    Zone.GUYANE: "973",
    Zone.REUNION: "974",
    Zone.MAYOTTE: "976",
    Zone.SAINT_MARTIN: "MF",
    Zone.SAINT_BARTHELEMY: "BL",
}

_OVERSEAS_DEPARTMENTS: dict[str, Zone] = {
    "971": Zone.GUADELOUPE,
    "972": Zone.MARTINIQUE,
    "973": Zone.GUYANE,
    "974": Zone.REUNION,
    "976": Zone.MAYOTTE,
    # COG codes of the overseas collectivities (formerly communes 97123 and 97127).
    "977": Zone.SAINT_BARTHELEMY,
    "978": Zone.SAINT_MARTIN,
}
_ALSACE_MOSELLE_DEPARTMENTS = frozenset({"57", "67", "68"})
# Pre-2007 INSEE codes, when both islands were communes of Guadeloupe.
_COMMUNE_ZONES: dict[str, Zone] = {"97123": Zone.SAINT_BARTHELEMY, "97127": Zone.SAINT_MARTIN}
_COMMUNE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_RULE_RE = re.compile(r"^P([1-9]\d*)([DM])$")
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def zone_for_department(code: str) -> Zone:
    """Map a department code ("01".."95", "2A", "2B", "971".."978") to its holiday zone."""
    dept = code.strip().upper() if isinstance(code, str) else ""
    if dept in _OVERSEAS_DEPARTMENTS:
        return _OVERSEAS_DEPARTMENTS[dept]
    if dept in _ALSACE_MOSELLE_DEPARTMENTS:
        return Zone.ALSACE_MOSELLE
    if dept in {"2A", "2B"} or (
        len(dept) == 2 and dept.isdigit() and 1 <= int(dept) <= 95 and dept != "20"
    ):
        return Zone.METROPOLE
    raise ValueError(f"Code de département invalide ou non pris en charge : {code!r}.")


def zone_for_commune_insee(code: str) -> Zone:
    """Map a 5-character INSEE commune code (e.g. "2A004", "97302") to its holiday zone."""
    commune = code.strip().upper() if isinstance(code, str) else ""
    if not _COMMUNE_RE.match(commune):
        raise ValueError(f"Code commune INSEE invalide : {code!r} (5 caractères attendus).")
    if commune in _COMMUNE_ZONES:
        return _COMMUNE_ZONES[commune]
    dept = commune[:3] if commune.startswith("97") else commune[:2]
    try:
        return zone_for_department(dept)
    except ValueError:
        raise ValueError(f"Code commune INSEE invalide ou non pris en charge : {code!r}.") from None


def _check_zone(zone: object) -> Zone:
    try:
        return Zone(zone)
    except ValueError:
        raise ValueError(f"Zone inconnue : {zone!r}.") from None


@lru_cache(maxsize=512)
def _holiday_table(zone: Zone, year: int) -> MappingProxyType[date, str]:
    """Read-only {day: French name} of the public holidays of `zone` for `year`.

    Each deviation from `holidays.France` (checked with holidays 0.109) is numbered below.
    """
    days = dict(holidays.France(subdiv=_LIBRARY_SUBDIV[zone], years=year, language="fr"))
    easter_sunday = easter(year)
    if 2005 <= year <= 2007:
        # 1. The library drops Whit Monday in 2005-2007 (the "journée de solidarité" years). It
        #    stayed a public holiday listed in C. trav. L3133-1 (only worked by default), so it
        #    counts for deadline purposes.
        days[easter_sunday + timedelta(days=50)] = "Lundi de Pentecôte"
    if zone is Zone.GUADELOUPE:
        # 2. The library adds Good Friday and Mi-Carême in Guadeloupe: both are customary days
        #    off ("jours chômés d'usage"), not public holidays in the brief's list. Removed.
        days.pop(easter_sunday - timedelta(days=2), None)
        days.pop(easter_sunday - timedelta(days=24), None)
    if zone is Zone.SAINT_MARTIN and 2012 <= year <= 2017:
        # 3. [M] The library uses 28 May from 2012. Décret 2012-553 set 27 May (the brief's
        #    date); Saint-Martin has commemorated 28 May since 2018 (interministerial circulars,
        #    prefecture applying C. trav. L3422-2). We keep 28 May from 2018 and restore 27 May
        #    for 2012-2017. To be confirmed on Légifrance (décret 83-1003 as amended).
        name = days.pop(date(year, 5, 28), "Abolition de l'esclavage")
        days[date(year, 5, 27)] = name
    # Not changed: 21 July (Victor Schœlcher day) for 971/972 is in both the brief and the
    # library; the library also gives it to Saint-Martin (formerly part of Guadeloupe), kept.
    # [M] Its legal status as a public holiday is disputed by some sources.
    return MappingProxyType(dict(sorted(days.items())))


def _check_date(value: object, label: str = "la date") -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{label.capitalize()} doit être une date (datetime.date) : {value!r}.")
    return value


def public_holidays(year: int, zone: Zone = Zone.METROPOLE) -> dict[date, str]:
    """Public holidays of `zone` for `year`, mapped to their French names."""
    return dict(_holiday_table(_check_zone(zone), year))


def holiday_name(day: date, zone: Zone = Zone.METROPOLE) -> str | None:
    """French name of the public holiday falling on `day`, or None."""
    day = _check_date(day)
    return _holiday_table(_check_zone(zone), day.year).get(day)


def is_public_holiday(day: date, zone: Zone = Zone.METROPOLE) -> bool:
    return holiday_name(day, zone) is not None


def is_working_day(day: date, zone: Zone = Zone.METROPOLE) -> bool:
    """Monday to Friday and not a public holiday of `zone`."""
    return _check_date(day).weekday() < 5 and not is_public_holiday(day, zone)


def next_working_day(day: date, zone: Zone = Zone.METROPOLE) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, zone):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, n: int, zone: Zone = Zone.METROPOLE) -> date:
    """The n-th working day after `start` (before it when n < 0); `start` is never counted."""
    start = _check_date(start, "la date de départ")
    if not isinstance(n, int) or isinstance(n, bool):
        raise ValueError(f"Le nombre de jours ouvrés doit être un entier : {n!r}.")
    step = timedelta(days=1 if n >= 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if is_working_day(day, zone):
            remaining -= 1
    return day


_CPC_URL = "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006070716"
_ANALOGY = (
    "Application par analogie aux délais administratifs (brief §3) ; "
    "identifiant d'article et version non vérifiés sur Légifrance."
)
_LEGAL_RULES = {
    "640": "Le délai a pour origine la date de l'acte qui le fait courir.",
    "641-days": "Délai en jours : le jour de l'acte ne compte pas.",
    "641-months": (
        "Délai en mois : il expire le jour du dernier mois portant le même quantième que le jour "
        "de l'acte ; à défaut, le dernier jour du mois. [M] Règle de fin de mois non vérifiée."
    ),
    "642": (
        "Le délai expire le dernier jour à 24 heures ; s'il expire un samedi, un dimanche ou un "
        "jour férié ou chômé, il est prorogé jusqu'au premier jour ouvrable suivant."
    ),
}


@cache
def _legal_basis(unit: str) -> tuple[MappingProxyType, ...]:
    """The CPC articles behind a deadline, shared and read-only (deadlines are cached)."""
    keys = ("640", f"641-{unit}", "642")
    return tuple(
        MappingProxyType(
            {
                "code": "Code de procédure civile",
                "article": key.split("-")[0],
                "rule": _LEGAL_RULES[key],
                "version_date": None,
                "url": _CPC_URL,
                "verified": False,
                "note": _ANALOGY,
            }
        )
        for key in keys
    )


@dataclass(frozen=True)
class Deadline:
    """A computed deadline. `end` is the real last day: the act may be done until 23:59."""

    act_date: date
    nominal_end: date
    end: date
    extended: bool
    reasons: tuple[str, ...]
    zone: Zone
    legal_basis: tuple[MappingProxyType, ...] = field(hash=False)


def add_months(day: date, months: int) -> date:
    """Same day number `months` later, clamped to the last day of a shorter month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _non_working_reason(day: date, zone: Zone) -> str:
    parts = []
    if day.weekday() >= 5:
        parts.append(f"un {_WEEKDAYS[day.weekday()]}")
    name = holiday_name(day, zone)
    if name:
        parts.append(f"un jour férié ({name})")
    return f"le {day.isoformat()} est " + " et ".join(parts)


@lru_cache(maxsize=4096)
def working_day_extension(day: date, zone: Zone) -> tuple[date, tuple[str, ...]]:
    """CPC 642: a deadline ending on `day`, a non-working day, runs to the next working day.

    Returns (real last day, French reasons for each day skipped). Cached (bounded): batches
    ask the same (day, zone) pairs over and over.
    """
    zone = _check_zone(zone)
    reasons = []
    while day.weekday() >= 5 or day in _holiday_table(zone, day.year):
        reasons.append(_non_working_reason(day, zone))
        day += timedelta(days=1)
    return day, tuple(reasons)


def deadline(
    act_date: date,
    *,
    days: int | None = None,
    months: int | None = None,
    zone: Zone = Zone.METROPOLE,
) -> Deadline:
    """Deadline of `days` days or `months` months after `act_date` (CPC 640-642 by analogy)."""
    act_date = _check_date(act_date, "la date de l'acte")
    if (days is None) == (months is None):
        raise ValueError("Indiquez soit un nombre de jours, soit un nombre de mois (un seul).")
    amount = days if days is not None else months
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError(f"La durée du délai doit être un entier strictement positif : {amount!r}.")
    zone = _check_zone(zone)
    if days is not None:
        nominal_end, unit = act_date + timedelta(days=days), "days"
    else:
        nominal_end, unit = add_months(act_date, amount), "months"
    end, reasons = working_day_extension(nominal_end, zone)
    return Deadline(
        act_date=act_date,
        nominal_end=nominal_end,
        end=end,
        extended=end != nominal_end,
        reasons=reasons,
        zone=zone,
        legal_basis=_legal_basis(unit),
    )


@lru_cache(maxsize=256)
def _parse_rule(rule: str) -> tuple[int, str]:
    match = _RULE_RE.match(rule) if isinstance(rule, str) else None
    if match is None:
        raise ValueError(
            f"Règle de délai non prise en charge : {rule!r} "
            "(formats acceptés : « PnD » en jours ou « PnM » en mois, par exemple P30D ou P2M)."
        )
    return int(match.group(1)), match.group(2)


def nominal_end(act_date: date, rule: str) -> date:
    """Last day of a "P30D" / "P2M" deadline before any extension (CPC 641 by analogy)."""
    amount, unit = _parse_rule(rule)
    if unit == "D":
        return act_date + timedelta(days=amount)
    return add_months(act_date, amount)


def deadline_from_rule(act_date: date, rule: str, zone: Zone = Zone.METROPOLE) -> Deadline:
    """Deadline from an ISO-8601 duration limited to whole days or months ("P30D", "P2M")."""
    amount, unit = _parse_rule(rule)
    if unit == "D":
        return deadline(act_date, days=amount, zone=zone)
    return deadline(act_date, months=amount, zone=zone)
