"""The situation: the facts given to the engine, with its JSON form and its validation.

Every fact is optional: ``None`` means *unknown*, never "no". ``parse_situation`` turns the
JSON contract (a dict) into a :class:`Situation`, or raises :class:`SituationError` with French
messages keyed by dotted field names ("dates.invitation").
"""

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bonnefoi.core.deadlines import zone_for_department
from bonnefoi.rules.enums import (
    DutyKind,
    ErrorKind,
    ExceptionCategory,
    Payment,
    PriorAdministrationAct,
    Regularisation,
    SanctionNature,
    Sector,
)


# Plain (non-slots) dataclasses: parse_situation fills their __dict__ in one step, which batch
# mode needs (a slots __init__ assigns 45 attributes one by one).
@dataclass
class Location:
    department: str | None = None


@dataclass
class Dates:
    error: date | None = None
    invitation: date | None = None
    deadline_stated: date | None = None
    deadline: date | None = None
    regularisation: date | None = None
    sanction_decision: date | None = None
    rectifying_declaration: date | None = None
    request: date | None = None
    complementary_declaration: date | None = None


@dataclass
class Situation:
    sector: Sector | None = None
    error_kind: ErrorKind | None = None
    sanction_nature: SanctionNature | None = None
    first_time: bool | None = None
    previous_error_same_rule: bool | None = None
    regularised: Regularisation | None = None
    bad_faith_established: bool | None = None
    fraud_established: bool | None = None
    gross_negligence_established: bool | None = None
    exception_category: ExceptionCategory | None = None
    location: Location = field(default_factory=Location)
    dates: Dates = field(default_factory=Dates)
    deadline_rule: str | None = None
    # Tax (DGFiP)
    initial_declaration_on_time: bool | None = None
    initial_payment_on_time: bool | None = None
    prior_administration_act: PriorAdministrationAct | None = None
    proposition_de_rectification_received: bool | None = None
    days_from_receipt_to_request: int | None = None
    days_from_request_to_complementary_declaration: int | None = None
    payment: Payment | None = None
    tax_shortfall_eur: Decimal | None = None
    months_of_interest: int | None = None
    # URSSAF
    corrected_at_first_following_deadline: bool | None = None
    complement_paid_same_deadline: bool | None = None
    corrected_at_nearest_deadline_after_discovery: bool | None = None
    regularising_payment_pct_of_initial: Decimal | None = None
    majorations_below_pmss: bool | None = None
    omitted_employee: bool | None = None
    repeated_pay_inaccuracies: bool | None = None
    declarations_on_time: bool | None = None
    days_late: int | None = None
    payment_plan_within_30_days: bool | None = None
    late_payment_in_previous_24_months: bool | None = None
    # CAF / CNAV
    overpayment_eur: Decimal | None = None
    # France Travail
    very_short_activity: bool | None = None
    # Customs (DGDDI)
    duty_kind: DutyKind | None = None
    declaration_on_time: bool | None = None
    payment_of_duties_and_interest: bool | None = None

    def get(self, name: str):
        """Value of a dotted fact name ("dates.invitation"), None when unknown."""
        return GETTERS[name](self)

    def to_json(self, *, omit_unknown: bool = True) -> dict:
        """The JSON contract form; unknown facts are left out unless ``omit_unknown`` is False."""
        out: dict = {}
        for name in FIELD_NAMES:
            value = self.get(name)
            if value is None and omit_unknown:
                continue
            target = out
            *parents, leaf = name.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = to_json_value(value)
        return out


def to_json_value(value):
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class SituationError(ValueError):
    """Invalid situation: ``errors`` maps dotted field names to French messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "Situation invalide : "
            + " ; ".join(f"{name} : {' '.join(messages)}" for name, messages in errors.items())
        )


# --- converters: raw JSON value -> typed value, or ValueError with a French message ----------


def _enum(enum_cls: type[StrEnum]) -> Callable:
    members = {member.value: member for member in enum_cls}
    allowed = ", ".join(members)

    def convert(value):
        try:
            return members[value]
        except (KeyError, TypeError):
            raise ValueError(f"Valeur inconnue {value!r}. Valeurs possibles : {allowed}.") from None

    convert.members = members  # read directly by parse_situation's fast path
    return convert


def _bool(value):
    if value is True or value is False:
        return value
    raise ValueError(f"Réponse attendue : true ou false (reçu {value!r}).")


def _date(value):
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else _bad_date(value)
        except ValueError:
            pass
    return _bad_date(value)


def _bad_date(value):
    raise ValueError(
        f"Date attendue au format AAAA-MM-JJ, par exemple 2025-03-14 (reçu {value!r})."
    )


_MAX_COUNT = 100_000


def _count(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_COUNT:
        return value
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdecimal()
        and len(value) <= 6
        and int(value) <= _MAX_COUNT
    ):
        return int(value)
    raise ValueError(f"Nombre entier positif ou nul attendu (reçu {value!r}).")


_MAX_AMOUNT = Decimal("1e12")


_PLAIN_AMOUNT = re.compile(r"\d{1,12}(?:\.\d{1,2})?")


def _amount(value):
    if value.__class__ is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)  # the common case: already a valid amount
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"Montant attendu, par exemple 1234.56 (reçu {value!r}).")
    try:
        # Floats go through their shortest repr (1234.56, not 1234.5599999…).
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"Montant attendu, par exemple 1234.56 (reçu {value!r}).") from None
    if not amount.is_finite() or amount < 0 or amount >= _MAX_AMOUNT:
        raise ValueError(f"Montant positif ou nul attendu (reçu {value!r}).")
    if amount.as_tuple().exponent < -2:
        raise ValueError(f"Deux décimales au plus (reçu {value!r}).")
    return amount


def _percentage(value):
    pct = _amount(value)
    if pct > 100:
        raise ValueError(f"Pourcentage entre 0 et 100 attendu (reçu {value!r}).")
    return pct


def _department(value):
    if isinstance(value, str):
        code = value.strip().upper()
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        try:
            zone_for_department(code)
        except ValueError:
            pass
        else:
            return code
    raise ValueError(
        f"Code de département inconnu {value!r} : deux chiffres (« 57 »), « 2A », « 2B » "
        "ou trois chiffres pour l'outre-mer (« 973 »)."
    )


# Canonical department codes, looked up directly by parse_situation's fast path.
_department.members = {
    code: code
    for code in (
        *(f"{n:02d}" for n in range(1, 96) if n != 20),
        "2A",
        "2B",
        "971",
        "972",
        "973",
        "974",
        "976",
        "977",
        "978",
    )
}


_DEADLINE_RULE_RE = re.compile(r"^P[1-9]\d{0,3}[DM]$")


def _deadline_rule(value):
    if isinstance(value, str):
        rule = value.strip()
        if rule in {"none", "next_declaration"} or _DEADLINE_RULE_RE.match(rule.upper()):
            return rule if rule in {"none", "next_declaration"} else rule.upper()
    raise ValueError(
        f"Règle de délai inconnue {value!r}. Formats acceptés : « P30D » (jours), « P1M » (mois), "
        "« next_declaration » (prochaine échéance déclarative) ou « none » (aucun délai indiqué)."
    )


# Every accepted spelling of a rule in canonical form, for parse_situation's fast path.
_deadline_rule.members = {
    "none": "none",
    "next_declaration": "next_declaration",
    **{f"P{n}D": f"P{n}D" for n in range(1, 367)},
    **{f"P{n}M": f"P{n}M" for n in range(1, 37)},
}


CONVERTERS: dict[str, Callable] = {
    "sector": _enum(Sector),
    "error_kind": _enum(ErrorKind),
    "sanction_nature": _enum(SanctionNature),
    "first_time": _bool,
    "previous_error_same_rule": _bool,
    "regularised": _enum(Regularisation),
    "bad_faith_established": _bool,
    "fraud_established": _bool,
    "gross_negligence_established": _bool,
    "exception_category": _enum(ExceptionCategory),
    "location.department": _department,
    **{f"dates.{f.name}": _date for f in fields(Dates)},
    "deadline_rule": _deadline_rule,
    "initial_declaration_on_time": _bool,
    "initial_payment_on_time": _bool,
    "prior_administration_act": _enum(PriorAdministrationAct),
    "proposition_de_rectification_received": _bool,
    "days_from_receipt_to_request": _count,
    "days_from_request_to_complementary_declaration": _count,
    "payment": _enum(Payment),
    "tax_shortfall_eur": _amount,
    "months_of_interest": _count,
    "corrected_at_first_following_deadline": _bool,
    "complement_paid_same_deadline": _bool,
    "corrected_at_nearest_deadline_after_discovery": _bool,
    "regularising_payment_pct_of_initial": _percentage,
    "majorations_below_pmss": _bool,
    "omitted_employee": _bool,
    "repeated_pay_inaccuracies": _bool,
    "declarations_on_time": _bool,
    "days_late": _count,
    "payment_plan_within_30_days": _bool,
    "late_payment_in_previous_24_months": _bool,
    "overpayment_eur": _amount,
    "very_short_activity": _bool,
    "duty_kind": _enum(DutyKind),
    "declaration_on_time": _bool,
    "payment_of_duties_and_interest": _bool,
}
FIELD_NAMES: tuple[str, ...] = tuple(CONVERTERS)
_KIND_OF_CONVERTER = {
    _bool: "boolean",
    _date: "date",
    _count: "count",
    _amount: "amount",
    _percentage: "percentage",
    _department: "department",
    _deadline_rule: "deadline_rule",
}
# The type of each field of the contract: boolean, date, count, amount, percentage,
# department, deadline_rule or enum (then ENUM_VALUES lists its values).
FIELD_KINDS: dict[str, str] = {
    name: _KIND_OF_CONVERTER.get(convert, "enum") for name, convert in CONVERTERS.items()
}
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    name: tuple(member.value for member in enum_cls)
    for name, enum_cls in (
        ("sector", Sector),
        ("error_kind", ErrorKind),
        ("sanction_nature", SanctionNature),
        ("regularised", Regularisation),
        ("exception_category", ExceptionCategory),
        ("prior_administration_act", PriorAdministrationAct),
        ("payment", Payment),
        ("duty_kind", DutyKind),
    )
}
_TRUE_FALSE_FIELDS = frozenset(name for name, kind in FIELD_KINDS.items() if kind == "boolean")
_TOP_CONVERTERS = {name: convert for name, convert in CONVERTERS.items() if "." not in name}
_NESTED = {"location": Location, "dates": Dates}


GETTERS: dict[str, Callable] = {name: operator.attrgetter(name) for name in FIELD_NAMES}


def _fast_kind(convert: Callable) -> tuple:
    """(kind, lookup table, full converter): how parse_situation converts a field without a
    call in the common case; anything unusual goes through the full converter."""
    if convert is _bool:
        return (_BOOLEAN, None, convert)
    if convert is _date:
        return (_DAY, None, convert)
    if convert is _count:
        return (_INT, None, convert)
    members = getattr(convert, "members", None)
    if members is not None:
        return (_MEMBER, members, convert)
    return (_CALL, None, convert)


_MEMBER, _BOOLEAN, _DAY, _INT, _CALL = range(5)
_TOP_SPECS = {name: _fast_kind(convert) for name, convert in _TOP_CONVERTERS.items()}
_NESTED_SPECS = {
    parent: {
        name.split(".", 1)[1]: (name, *_fast_kind(convert))
        for name, convert in CONVERTERS.items()
        if name.startswith(parent + ".")
    }
    for parent in _NESTED
}
_SITUATION_DEFAULTS = {f.name: None for f in fields(Situation)}
_DATES_DEFAULTS = {f.name: None for f in fields(Dates)}
_from_iso = date.fromisoformat


def _convert_slow(convert: Callable, raw):
    """Converted value, or _INVALID (the caller then asks the converter for its message)."""
    try:
        return convert(raw)
    except ValueError:
        return _INVALID


_INVALID = object()


def parse_situation(data: Mapping) -> Situation:
    """Validate the JSON contract form and build a Situation (raises SituationError)."""
    if data.__class__ is not dict and not isinstance(data, Mapping):
        raise SituationError({"situation": ["Un objet JSON (dictionnaire de faits) est attendu."]})
    errors: dict[str, list[str]] = {}
    values = _SITUATION_DEFAULTS.copy()  # becomes the Situation's __dict__ (batch hot path)
    dates = _DATES_DEFAULTS.copy()
    department = None
    given_dates = False
    specs = _TOP_SPECS
    member, boolean, integer, max_count = _MEMBER, _BOOLEAN, _INT, _MAX_COUNT  # locals: hot loop
    for key, raw in data.items():
        if raw is None:
            continue
        spec = specs.get(key)
        if spec is not None:
            # Inlined fast conversions; anything unusual takes the full converter, which also
            # writes the French message.
            kind, table, convert = spec
            if kind == member and raw.__class__ is str and raw in table:
                values[key] = table[raw]
            elif (kind == boolean and (raw is True or raw is False)) or (
                kind == integer and raw.__class__ is int and 0 <= raw <= max_count
            ):
                values[key] = raw
            else:
                value = _convert_slow(convert, raw)
                if value is _INVALID:
                    errors[key] = [_why(convert, raw)]
                else:
                    values[key] = value
        elif key == "dates" and (raw.__class__ is dict or isinstance(raw, Mapping)):
            given_dates = _parse_nested("dates", raw, dates, errors) or given_dates
        elif key == "location" and (raw.__class__ is dict or isinstance(raw, Mapping)):
            found = {}
            _parse_nested("location", raw, found, errors)
            department = found.get("department")
        elif key in _NESTED:
            errors[key] = ["Un objet JSON est attendu."]
        else:
            errors[str(key)] = [f"Champ inconnu {key!r} : vérifiez son nom dans le contrat JSON."]
    if not errors:
        if values["first_time"] is not None or values["previous_error_same_rule"] is not None:
            _check_first_time(values, errors)
        if given_dates:
            _check_dates(dates, errors)
    if errors:
        raise SituationError(errors)
    situation = object.__new__(Situation)
    situation.__dict__ = values
    location = object.__new__(Location)
    location.__dict__ = {"department": department}
    values["location"] = location
    dates_object = object.__new__(Dates)
    dates_object.__dict__ = dates
    values["dates"] = dates_object
    return situation


def _why(convert: Callable, raw) -> str:
    """The French message of the full converter for a value the fast path refused."""
    try:
        convert(raw)
    except ValueError as exc:
        return str(exc)
    return f"Valeur invalide : {raw!r}."  # pragma: no cover (fast and full paths agree)


def _parse_nested(parent: str, raw: Mapping, target: dict, errors: dict) -> bool:
    """Convert a nested object's facts into ``target``; True when at least one was given."""
    specs = _NESTED_SPECS[parent]
    given = False
    day, member, from_iso = _DAY, _MEMBER, _from_iso  # locals: hot loop
    for sub, sub_raw in raw.items():
        if sub_raw is None:
            continue
        spec = specs.get(sub)
        if spec is None:
            name = f"{parent}.{sub}"
            errors[name] = [f"Champ inconnu {name!r} : vérifiez son nom dans le contrat JSON."]
            continue
        name, kind, table, convert = spec
        given = True
        if kind == day and sub_raw.__class__ is str and len(sub_raw) == 10:
            try:
                target[sub] = from_iso(sub_raw)
                continue
            except ValueError:
                pass
        elif kind == member and sub_raw.__class__ is str and sub_raw in table:
            target[sub] = table[sub_raw]
            continue
        value = _convert_slow(convert, sub_raw)
        if value is _INVALID:
            errors[name] = [_why(convert, sub_raw)]
        else:
            target[sub] = value
    return given


def _check_first_time(values: dict, errors: dict) -> None:
    first, previous = values["first_time"], values["previous_error_same_rule"]
    if first is not None and previous is not None and first == previous:
        errors["previous_error_same_rule"] = [
            "Contradiction : « première fois » et « erreur déjà commise sur la même règle » "
            "ne peuvent pas être vrais (ou faux) ensemble."
        ]
    elif first is None:
        values["first_time"] = not previous
    elif previous is None:
        values["previous_error_same_rule"] = not first


def _check_dates(dates: dict, errors: dict) -> None:
    """Cross-checks of the dates; ``dates`` holds every date field (None when not given)."""
    alias, stated = dates["deadline"], dates["deadline_stated"]
    if alias is not None:
        if stated is None:
            dates["deadline_stated"] = stated = alias
        elif stated != alias:
            errors["dates.deadline"] = [
                "Deux dates limites différentes : « deadline » est un autre nom de "
                "« deadline_stated »."
            ]
    invitation = dates["invitation"]
    if invitation and stated and stated < invitation:
        errors["dates.deadline_stated"] = [
            "La date limite indiquée précède la date de l'invitation à régulariser."
        ]
    error_day, regularisation = dates["error"], dates["regularisation"]
    if error_day and regularisation and regularisation < error_day:
        errors["dates.regularisation"] = ["La régularisation ne peut pas précéder l'erreur."]
    request, complementary = dates["request"], dates["complementary_declaration"]
    if request and complementary and complementary < request:
        errors["dates.complementary_declaration"] = [
            "La déclaration complémentaire ne peut pas précéder la demande de régularisation."
        ]
