"""Tests of the pure-Python deadline calculator (no database, no Django).

Every expected date below was derived by hand from the calendar (weekdays checked with
`calendar.month`), not copied from the implementation's output.
"""

from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from bonnefoi.core.deadlines import (
    Deadline,
    Zone,
    add_working_days,
    deadline,
    deadline_from_rule,
    holiday_name,
    is_public_holiday,
    is_working_day,
    next_working_day,
    public_holidays,
    zone_for_commune_insee,
    zone_for_department,
)

D = date
M = Zone.METROPOLE
AM = Zone.ALSACE_MOSELLE

# The 11 national public holidays (C. trav. L3133-1), Easter 2025 = 20 Apr, Easter 2026 = 5 Apr.
NATIONAL = {
    2025: {
        D(2025, 1, 1), D(2025, 4, 21), D(2025, 5, 1), D(2025, 5, 8), D(2025, 5, 29),
        D(2025, 6, 9), D(2025, 7, 14), D(2025, 8, 15), D(2025, 11, 1), D(2025, 11, 11),
        D(2025, 12, 25),
    },
    2026: {
        D(2026, 1, 1), D(2026, 4, 6), D(2026, 5, 1), D(2026, 5, 8), D(2026, 5, 14),
        D(2026, 5, 25), D(2026, 7, 14), D(2026, 8, 15), D(2026, 11, 1), D(2026, 11, 11),
        D(2026, 12, 25),
    },
}  # fmt: skip

# Days added to the national list in each zone (domain brief §3).
EXTRA = {
    Zone.METROPOLE: {2025: set(), 2026: set()},
    Zone.ALSACE_MOSELLE: {
        2025: {D(2025, 4, 18), D(2025, 12, 26)},
        2026: {D(2026, 4, 3), D(2026, 12, 26)},
    },
    Zone.GUADELOUPE: {
        2025: {D(2025, 5, 27), D(2025, 7, 21)},
        2026: {D(2026, 5, 27), D(2026, 7, 21)},
    },
    Zone.MARTINIQUE: {
        2025: {D(2025, 5, 22), D(2025, 7, 21)},
        2026: {D(2026, 5, 22), D(2026, 7, 21)},
    },
    Zone.GUYANE: {2025: {D(2025, 6, 10)}, 2026: {D(2026, 6, 10)}},
    Zone.REUNION: {2025: {D(2025, 12, 20)}, 2026: {D(2026, 12, 20)}},
    Zone.MAYOTTE: {2025: {D(2025, 4, 27)}, 2026: {D(2026, 4, 27)}},
    # Saint-Martin: 28 May since 2018 (see the module's deviation 3), plus 21 July.
    Zone.SAINT_MARTIN: {
        2025: {D(2025, 5, 28), D(2025, 7, 21)},
        2026: {D(2026, 5, 28), D(2026, 7, 21)},
    },
    Zone.SAINT_BARTHELEMY: {2025: {D(2025, 10, 9)}, 2026: {D(2026, 10, 9)}},
}


# --- Public holidays -------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("zone", list(Zone))
def test_holiday_set_is_national_list_plus_zone_days(zone, year):
    """Each zone has exactly the 11 national holidays plus its own days, nothing else."""
    assert set(public_holidays(year, zone)) == NATIONAL[year] | EXTRA[zone][year]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2025, 4, 21), "Lundi de Pâques"),
        (D(2025, 5, 29), "Ascension"),
        (D(2025, 6, 9), "Lundi de Pentecôte"),
        (D(2026, 4, 6), "Lundi de Pâques"),
        (D(2026, 5, 14), "Ascension"),
        (D(2026, 5, 25), "Lundi de Pentecôte"),
    ],
)
def test_easter_derived_holidays_in_every_zone(day, name):
    """Easter Monday, Ascension and Whit Monday are holidays everywhere, with French names."""
    for zone in Zone:
        assert holiday_name(day, zone) == name


@pytest.mark.parametrize("good_friday", [D(2025, 4, 18), D(2026, 4, 3)])
def test_good_friday_only_in_alsace_moselle(good_friday):
    """Good Friday is a holiday in Alsace-Moselle only (not even in Guadeloupe, brief's list)."""
    assert {zone for zone in Zone if is_public_holiday(good_friday, zone)} == {AM}


@pytest.mark.parametrize("whit_monday", [D(2005, 5, 16), D(2006, 6, 5), D(2007, 5, 28)])
def test_whit_monday_is_a_holiday_during_solidarity_day_years(whit_monday):
    """Whit Monday stays a public holiday in 2005-2007 (L3133-1), unlike in the library."""
    assert holiday_name(whit_monday, M) == "Lundi de Pentecôte"


def test_guadeloupe_customary_days_are_not_public_holidays():
    """Mi-Carême (Easter - 24 days) and Good Friday are customary days off in Guadeloupe."""
    assert not is_public_holiday(D(2025, 3, 27), Zone.GUADELOUPE)
    assert not is_public_holiday(D(2025, 4, 18), Zone.GUADELOUPE)


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2016, 5, 27), True), (D(2016, 5, 28), False), (D(2026, 5, 27), False)],
)
def test_saint_martin_abolition_day_by_period(day, expected):
    """Saint-Martin: 27 May from 2012 to 2017 (décret 2012-553), 28 May since 2018."""
    assert is_public_holiday(day, Zone.SAINT_MARTIN) is expected


def test_public_holidays_returns_an_independent_copy():
    """Mutating the returned dict must not corrupt the cached holiday table."""
    table = public_holidays(2025, M)
    table.clear()
    assert len(public_holidays(2025, M)) == 11


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (D(2025, 3, 10), M, True),  # Monday
        (D(2025, 3, 15), M, False),  # Saturday
        (D(2025, 3, 16), M, False),  # Sunday
        (D(2025, 5, 1), M, False),  # Thursday, Fête du Travail
        (D(2025, 12, 26), M, True),  # Friday
        (D(2025, 12, 26), AM, False),  # Saint-Étienne
        (D(2025, 12, 20), Zone.REUNION, False),  # Saturday and holiday
        (D(2026, 4, 27), Zone.MAYOTTE, False),  # Monday, abolition day
        (D(2026, 4, 27), M, True),
    ],
)
def test_is_working_day(day, zone, expected):
    """A working day is Monday to Friday and not a public holiday of the zone."""
    assert is_working_day(day, zone) is expected


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (D(2025, 3, 12), M, D(2025, 3, 12)),  # already a working day
        (D(2025, 12, 27), M, D(2025, 12, 29)),  # Saturday -> Monday
        (D(2025, 12, 26), AM, D(2025, 12, 29)),  # Saint-Étienne + weekend
        (D(2026, 7, 21), Zone.MARTINIQUE, D(2026, 7, 22)),
    ],
)
def test_next_working_day(day, zone, expected):
    """next_working_day returns the day itself when working, else the first working day after."""
    assert next_working_day(day, zone) == expected


@pytest.mark.parametrize(
    ("start", "n", "zone", "expected"),
    [
        (D(2026, 4, 30), 1, M, D(2026, 5, 4)),  # Fri 1 May holiday, then weekend
        (D(2026, 4, 30), 2, M, D(2026, 5, 5)),
        (D(2026, 5, 7), 5, M, D(2026, 5, 18)),  # skips 8 May, 2 weekends, Ascension 14 May
        (D(2026, 4, 2), 1, M, D(2026, 4, 3)),  # Good Friday is worked in metropole
        (D(2026, 4, 2), 1, AM, D(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (D(2025, 12, 24), 1, AM, D(2025, 12, 29)),  # 25 and 26 Dec, weekend
        (D(2025, 12, 31), 1, M, D(2026, 1, 2)),  # across the year, 1 Jan skipped
        (D(2026, 5, 12), 0, M, D(2026, 5, 12)),
        (D(2026, 5, 11), -1, M, D(2026, 5, 7)),  # backwards over weekend and 8 May
    ],
)
def test_add_working_days(start, n, zone, expected):
    """add_working_days never counts the start day and skips weekends and zone holidays."""
    assert add_working_days(start, n, zone) == expected


# --- Deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("act", "days", "months", "zone", "nominal", "end"),
    [
        # Days: the day of the act is not counted (CPC 641 al. 1).
        (D(2025, 3, 10), 10, None, M, D(2025, 3, 20), D(2025, 3, 20)),
        # Months run date to date, clamped to the end of a shorter month (CPC 641 al. 2).
        (D(2025, 1, 31), None, 1, M, D(2025, 2, 28), D(2025, 2, 28)),
        (D(2024, 1, 31), None, 1, M, D(2024, 2, 29), D(2024, 2, 29)),
        (D(2025, 2, 28), None, 1, M, D(2025, 3, 28), D(2025, 3, 28)),
        # One month ending on Saturday 11 July 2026 -> Monday 13 July.
        (D(2026, 6, 11), None, 1, M, D(2026, 7, 11), D(2026, 7, 13)),
        (D(2025, 2, 1), None, 1, M, D(2025, 3, 1), D(2025, 3, 3)),
        # Christmas: 24 Dec is an ordinary day; 26 Dec only in Alsace-Moselle.
        (D(2025, 12, 14), 10, None, M, D(2025, 12, 24), D(2025, 12, 24)),
        (D(2025, 12, 14), 10, None, AM, D(2025, 12, 24), D(2025, 12, 24)),
        (D(2025, 12, 15), 10, None, M, D(2025, 12, 25), D(2025, 12, 26)),
        (D(2025, 12, 15), 10, None, AM, D(2025, 12, 25), D(2025, 12, 29)),
        (D(2025, 12, 16), 10, None, M, D(2025, 12, 26), D(2025, 12, 26)),
        (D(2025, 12, 16), 10, None, AM, D(2025, 12, 26), D(2025, 12, 29)),
        # Good Friday 18 April 2025: then weekend and Easter Monday in Alsace-Moselle.
        (D(2025, 4, 8), 10, None, M, D(2025, 4, 18), D(2025, 4, 18)),
        (D(2025, 4, 8), 10, None, AM, D(2025, 4, 18), D(2025, 4, 22)),
        # Guyane, 10 June 2026 (Wednesday).
        (D(2026, 5, 10), None, 1, M, D(2026, 6, 10), D(2026, 6, 10)),
        (D(2026, 5, 10), None, 1, Zone.GUYANE, D(2026, 6, 10), D(2026, 6, 11)),
        # Saturday 7 June 2025, Sunday, Whit Monday 9 June, and 10 June in Guyane.
        (D(2025, 5, 28), 10, None, M, D(2025, 6, 7), D(2025, 6, 10)),
        (D(2025, 5, 28), 10, None, Zone.GUYANE, D(2025, 6, 7), D(2025, 6, 11)),
        # Guadeloupe, 27 May (Tuesday 2025, Wednesday 2026).
        (D(2025, 5, 17), 10, None, Zone.GUADELOUPE, D(2025, 5, 27), D(2025, 5, 28)),
        (D(2025, 5, 17), 10, None, M, D(2025, 5, 27), D(2025, 5, 27)),
        (D(2026, 4, 27), None, 1, Zone.GUADELOUPE, D(2026, 5, 27), D(2026, 5, 28)),
        (D(2026, 4, 27), None, 1, M, D(2026, 5, 27), D(2026, 5, 27)),
        # 1 May and 8 May 2026 are Fridays: each chains with a weekend.
        (D(2026, 4, 21), 10, None, M, D(2026, 5, 1), D(2026, 5, 4)),
        (D(2026, 4, 28), 10, None, M, D(2026, 5, 8), D(2026, 5, 11)),
        # 1 May 2025 is a Thursday: next day.
        (D(2025, 4, 21), 10, None, M, D(2025, 5, 1), D(2025, 5, 2)),
        # Ascension 14 May 2026 (Thursday); Saturday 23 May 2026 chains to Whit Monday.
        (D(2026, 5, 4), 10, None, M, D(2026, 5, 14), D(2026, 5, 15)),
        (D(2026, 5, 13), 10, None, M, D(2026, 5, 23), D(2026, 5, 26)),
        # Starting on 31 December, crossing the year.
        (D(2025, 12, 31), 1, None, M, D(2026, 1, 1), D(2026, 1, 2)),
        (D(2025, 12, 31), 30, None, M, D(2026, 1, 30), D(2026, 1, 30)),
        (D(2025, 12, 31), None, 1, M, D(2026, 1, 31), D(2026, 2, 2)),
        (D(2025, 12, 31), None, 2, M, D(2026, 2, 28), D(2026, 3, 2)),
        (D(2024, 12, 31), None, 2, M, D(2025, 2, 28), D(2025, 2, 28)),
        (D(2025, 11, 30), None, 3, M, D(2026, 2, 28), D(2026, 3, 2)),
    ],
)
def test_deadline_scenarios(act, days, months, zone, nominal, end):
    """Nominal end per CPC 641; extension to the next working day of the zone per CPC 642."""
    result = deadline(act, days=days, months=months, zone=zone)
    assert (result.nominal_end, result.end) == (nominal, end)
    assert result.extended is (end != nominal)
    assert result.act_date == act
    assert result.zone is zone


@pytest.mark.parametrize(
    ("act", "zone", "reasons"),
    [
        (
            D(2026, 4, 21),
            M,
            (
                "le 2026-05-01 est un jour férié (Fête du Travail)",
                "le 2026-05-02 est un samedi",
                "le 2026-05-03 est un dimanche",
            ),
        ),
        (
            D(2026, 10, 21),  # nominal Saturday 31 Oct; 1 Nov 2026 is a Sunday
            M,
            (
                "le 2026-10-31 est un samedi",
                "le 2026-11-01 est un dimanche et un jour férié (Toussaint)",
            ),
        ),
        (D(2025, 3, 10), M, ()),
    ],
)
def test_deadline_reasons_explain_each_skipped_day(act, zone, reasons):
    """Each day skipped by the extension is explained in French, in order."""
    assert deadline(act, days=10, zone=zone).reasons == reasons


def test_deadline_records_legal_basis_as_unverified_data():
    """The legal basis cites CPC 640-642 as data, flagged as analogy and not verified."""
    by_days = deadline(D(2025, 3, 10), days=10)
    by_months = deadline(D(2025, 3, 10), months=1)
    for result in (by_days, by_months):
        assert [ref["article"] for ref in result.legal_basis] == ["640", "641", "642"]
        for ref in result.legal_basis:
            assert ref["code"] == "Code de procédure civile"
            assert ref["url"] == "https://www.legifrance.gouv.fr/codes/id/LEGITEXT000006070716"
            assert ref["verified"] is False
            assert "analogie" in ref["note"]
            assert "version_date" in ref
    assert "[M]" in by_months.legal_basis[1]["rule"]
    assert "[M]" not in by_days.legal_basis[1]["rule"]


def test_deadline_is_frozen_and_hashable():
    """Deadline is an immutable value object usable as a dict key."""
    result = deadline(D(2025, 3, 10), days=10)
    assert isinstance(result, Deadline)
    with pytest.raises(FrozenInstanceError):
        result.end = D(2030, 1, 1)
    assert hash(result) == hash(deadline(D(2025, 3, 10), days=10))


def test_deadline_accepts_zone_value_string():
    """A rules engine may pass the zone as its string value."""
    assert deadline(D(2025, 12, 16), days=10, zone="alsace_moselle").end == D(2025, 12, 29)


@pytest.mark.parametrize(
    ("rule", "act", "zone", "end"),
    [
        ("P30D", D(2025, 12, 31), M, D(2026, 1, 30)),
        ("P1M", D(2025, 1, 31), M, D(2025, 2, 28)),
        ("P2M", D(2025, 12, 31), M, D(2026, 3, 2)),
        ("P10D", D(2025, 12, 16), AM, D(2025, 12, 29)),
    ],
)
def test_deadline_from_iso_rule(rule, act, zone, end):
    """ISO-8601 PnD / PnM rules give the same result as the keyword form."""
    assert deadline_from_rule(act, rule, zone).end == end


@pytest.mark.parametrize(
    "rule", ["P1Y", "PT1H", "P1W", "P0D", "P1M15D", "30D", "p30d", "P-1D", "", None, 30]
)
def test_deadline_from_rule_rejects_unsupported_rules(rule):
    """Only whole positive days (PnD) or months (PnM) are accepted."""
    with pytest.raises(ValueError, match="Règle de délai non prise en charge"):
        deadline_from_rule(D(2025, 1, 1), rule, M)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"days": 10, "months": 1},
        {"days": 0},
        {"days": -3},
        {"months": 0},
        {"days": True},
        {"days": 1.5},
        {"months": "1"},
    ],
)
def test_deadline_rejects_invalid_durations(kwargs):
    """Exactly one of days/months must be given, as a strictly positive integer."""
    with pytest.raises(ValueError, match=r"jours|durée"):
        deadline(D(2025, 1, 1), **kwargs)


@pytest.mark.parametrize("act", [datetime(2025, 1, 1, 12, 0), "2025-01-01", None])
def test_deadline_rejects_non_date_act(act):
    """The act date must be a plain datetime.date (a datetime would be ambiguous)."""
    with pytest.raises(ValueError, match="date"):
        deadline(act, days=10)


def test_deadline_rejects_unknown_zone():
    """An unknown zone raises a French ValueError."""
    with pytest.raises(ValueError, match="Zone inconnue"):
        deadline(D(2025, 1, 1), days=10, zone="paris")


# --- Zone mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("01", M),
        ("75", M),
        ("95", M),
        ("2A", M),
        ("2b", M),
        ("57", AM),
        ("67", AM),
        ("68", AM),
        ("971", Zone.GUADELOUPE),
        ("972", Zone.MARTINIQUE),
        ("973", Zone.GUYANE),
        ("974", Zone.REUNION),
        ("976", Zone.MAYOTTE),
        ("977", Zone.SAINT_BARTHELEMY),
        ("978", Zone.SAINT_MARTIN),
    ],
)
def test_zone_for_department(code, zone):
    """Departments map to their holiday zone; 57, 67 and 68 form Alsace-Moselle."""
    assert zone_for_department(code) is zone


@pytest.mark.parametrize(
    "code", ["", "0", "00", "1", "20", "96", "99", "975", "979", "2C", "ABC", None, 75]
)
def test_zone_for_department_rejects_invalid_codes(code):
    """Malformed or unsupported department codes raise a French ValueError."""
    with pytest.raises(ValueError, match="Code de département invalide"):
        zone_for_department(code)


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("2A004", M),  # Ajaccio
        ("2B033", M),  # Bastia
        ("75056", M),  # Paris
        ("57463", AM),  # Metz
        ("67482", AM),  # Strasbourg
        ("68224", AM),  # Mulhouse
        ("97105", Zone.GUADELOUPE),  # Basse-Terre
        ("97209", Zone.MARTINIQUE),  # Fort-de-France
        ("97302", Zone.GUYANE),  # Cayenne
        ("97411", Zone.REUNION),  # Saint-Denis
        ("97611", Zone.MAYOTTE),  # Mamoudzou
        ("97127", Zone.SAINT_MARTIN),  # former Guadeloupe commune code
        ("97123", Zone.SAINT_BARTHELEMY),  # former Guadeloupe commune code
        ("97801", Zone.SAINT_MARTIN),
        ("97701", Zone.SAINT_BARTHELEMY),
    ],
)
def test_zone_for_commune_insee(code, zone):
    """INSEE codes use 2 leading characters, or 3 when they start with 97."""
    assert zone_for_commune_insee(code) is zone


@pytest.mark.parametrize(
    "code", ["", "7505", "750560", "2C004", "20004", "00001", "96001", "97501", "ABCDE", None]
)
def test_zone_for_commune_insee_rejects_invalid_codes(code):
    """Malformed or unsupported INSEE codes raise a French ValueError."""
    with pytest.raises(ValueError, match="Code commune INSEE invalide"):
        zone_for_commune_insee(code)
