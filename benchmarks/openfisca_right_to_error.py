"""The general right-to-error regime (CRPA L123-1) as a small openfisca-core model.

Baseline for ``benchmarks/right_to_error.py``: the same eight conditions as the general regime of
``bonnefoi.rules`` (ESSOC version, in force from 12 August 2018), written the OpenFisca way — one
entity (``person``), input variables, one formula variable per condition — so that single-case
and vectorised OpenFisca simulations can be timed against our engine on the same situations.

Three-valued answers. OpenFisca has no "unknown" value: every input variable ``x`` comes with a
boolean mask ``x_known`` (default ``False``), and every condition and the result are integers,
``1`` (true), ``0`` (false) or ``-1`` (unknown), combined with Kleene logic like our engine: a
conjunction is false as soon as one part is false, unknown if a part is unknown, else true.

Not modelled (not part of the comparison): the choice of the rule version by date, and the
calendar computation of timeliness — ``regularised_in_time`` is an input here, where our engine
derives it from ``regularised`` and the dates.
"""

from __future__ import annotations

import numpy
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import YEAR
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

# Formulas over an ETERNITY period fail in openfisca-core 46 (no start date): one fixed year.
PERIOD = "2025"
TRUE, FALSE, UNKNOWN = 1, 0, -1
L123_1 = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000037309224"

Person = build_entity(
    key="person",
    plural="persons",
    label="Personne (usager ou entreprise) qui a commis l'erreur",
    is_person=True,
)


# --- Enumerations (members named like the values of the JSON contract) -------------------------


class SanctionNature(Enum):
    administrative_pecuniary = "Sanction administrative pécuniaire"
    benefit_withdrawal = "Privation de tout ou partie d'une prestation"
    penal = "Sanction pénale"
    civil = "Sanction civile"
    contractual = "Sanction contractuelle"


class ExceptionCategory(Enum):
    none = "Aucune exception"
    eu_law = "Droit de l'Union européenne"
    public_health_safety_environment = "Santé publique, sécurité, environnement"
    contract = "Sanction prévue par un contrat"
    regulator_professionals = "Professionnels soumis à un régulateur"
    international_convention = "Convention internationale"


class ErrorKind(Enum):
    material_error = "Erreur matérielle"
    misreading_rule = "Méconnaissance d'une règle"
    missing_declaration = "Déclaration non déposée"
    late_declaration = "Déclaration déposée en retard"
    late_payment = "Paiement en retard"
    omitted_employee = "Salarié omis"
    deliberate_concealment = "Dissimulation délibérée"


# --- Input variables, each with its "known" mask -----------------------------------------------


def _input(name: str, value_type, label: str, possible_values=None) -> list[type[Variable]]:
    attributes = {
        "value_type": value_type,
        "entity": Person,
        "definition_period": YEAR,
        "label": label,
        "reference": L123_1,
    }
    if possible_values is not None:
        attributes["possible_values"] = possible_values
        attributes["default_value"] = next(iter(possible_values))
    known = {
        "value_type": bool,
        "entity": Person,
        "definition_period": YEAR,
        "default_value": False,
        "label": f"{label} : fait connu",
    }
    return [type(name, (Variable,), attributes), type(f"{name}_known", (Variable,), known)]


INPUTS: dict[str, type | None] = {
    # name -> enumeration (None for booleans)
    "sanction_nature": SanctionNature,
    "exception_category": ExceptionCategory,
    "error_kind": ErrorKind,
    "bad_faith_established": None,
    "fraud_established": None,
    "first_time": None,
    "regularised_in_time": None,
}
_LABELS = {
    "sanction_nature": "Nature de la sanction encourue",
    "exception_category": "Catégorie d'exception de l'article L123-1, alinéa 3",
    "error_kind": "Nature du manquement",
    "bad_faith_established": "Mauvaise foi établie par l'administration",
    "fraud_established": "Fraude établie par l'administration",
    "first_time": "Première méconnaissance de cette règle",
    "regularised_in_time": "Régularisation spontanée ou dans le délai imparti",
}
INPUT_VARIABLES = [
    variable
    for name, enum in INPUTS.items()
    for variable in _input(name, Enum if enum else bool, _LABELS[name], enum)
]


# --- Three-valued helpers ----------------------------------------------------------------------


def tri(value, known):
    """A boolean array and its known mask -> 1 / 0 / -1."""
    return numpy.where(known, value.astype(numpy.int8), numpy.int8(UNKNOWN))


def kleene_all(*parts):
    result = numpy.full(parts[0].shape, TRUE, dtype=numpy.int8)
    for part in parts:  # unknown where any part is unknown...
        result = numpy.where(part == UNKNOWN, numpy.int8(UNKNOWN), result)
    for part in parts:  # ...but false wins over unknown
        result = numpy.where(part == FALSE, numpy.int8(FALSE), result)
    return result


def kleene_any(*parts):
    result = numpy.full(parts[0].shape, FALSE, dtype=numpy.int8)
    for part in parts:
        result = numpy.where(part == UNKNOWN, numpy.int8(UNKNOWN), result)
    for part in parts:
        result = numpy.where(part == TRUE, numpy.int8(TRUE), result)
    return result


def _enum_in(person, name, members):
    value = person(name, PERIOD)
    return tri(
        numpy.isin(value, [member.index for member in members]), person(f"{name}_known", PERIOD)
    )


def _bool(person, name, expected=True):
    value = person(name, PERIOD)
    return tri(value if expected else numpy.logical_not(value), person(f"{name}_known", PERIOD))


def _condition(cls: type[Variable]) -> type[Variable]:
    """Three-valued integer variable of the person (OpenFisca reads attributes from the class
    itself, not from a base class, hence a decorator)."""
    cls.value_type = int
    cls.entity = Person
    cls.definition_period = YEAR
    cls.reference = L123_1
    return cls


# --- Conditions of L123-1 (ESSOC version), in the engine's order -------------------------------


@_condition
class administrative_sanction(Variable):
    label = "La sanction encourue est une sanction administrative (pécuniaire ou de prestation)"

    def formula(person, period):
        return _enum_in(
            person,
            "sanction_nature",
            [SanctionNature.administrative_pecuniary, SanctionNature.benefit_withdrawal],
        )


@_condition
class no_exception_category(Variable):
    label = "Aucune des exceptions de l'article L123-1, alinéa 3"

    def formula(person, period):
        # The four exceptions of al. 3 only: an international convention (a DGCCRF exclusion)
        # is not one of them, as in the engine's rule data (condition no_legal_exception).
        return _enum_in(
            person,
            "exception_category",
            [ExceptionCategory.none, ExceptionCategory.international_convention],
        )


@_condition
class declaration_on_time(Variable):
    label = "Ni déclaration manquante ou tardive, ni paiement tardif (pas un droit au retard)"

    def formula(person, period):
        late = [ErrorKind.missing_declaration, ErrorKind.late_declaration, ErrorKind.late_payment]
        others = [kind for kind in ErrorKind if kind not in late]
        return _enum_in(person, "error_kind", others)


@_condition
class no_bad_faith(Variable):
    label = "Mauvaise foi non établie"

    def formula(person, period):
        return _bool(person, "bad_faith_established", expected=False)


@_condition
class no_fraud(Variable):
    label = "Fraude non établie"

    def formula(person, period):
        return _bool(person, "fraud_established", expected=False)


@_condition
class not_deliberate_concealment(Variable):
    label = "Pas de dissimulation délibérée (L123-2)"

    def formula(person, period):
        others = [kind for kind in ErrorKind if kind is not ErrorKind.deliberate_concealment]
        return _enum_in(person, "error_kind", others)


@_condition
class first_time_or_material_error(Variable):
    label = "Erreur matérielle, ou première méconnaissance de la règle"

    def formula(person, period):
        material = _enum_in(person, "error_kind", [ErrorKind.material_error])
        misreading = _enum_in(
            person, "error_kind", [ErrorKind.misreading_rule, ErrorKind.omitted_employee]
        )
        return kleene_any(material, kleene_all(misreading, _bool(person, "first_time")))


@_condition
class regularised_in_time_condition(Variable):
    label = "Régularisation spontanée ou dans le délai imparti"

    def formula(person, period):
        return _bool(person, "regularised_in_time")


CONDITIONS = [
    administrative_sanction,
    no_exception_category,
    declaration_on_time,
    no_bad_faith,
    no_fraud,
    not_deliberate_concealment,
    first_time_or_material_error,
    regularised_in_time_condition,
]


@_condition
class right_to_error_applies(Variable):
    label = "Droit à l'erreur (CRPA L123-1) : 1 accordé, 0 refusé, -1 indéterminé"

    def formula(person, period):
        return kleene_all(*(person(condition.__name__, period) for condition in CONDITIONS))


def build_system() -> TaxBenefitSystem:
    system = TaxBenefitSystem([Person])
    system.add_variables(*INPUT_VARIABLES, *CONDITIONS, right_to_error_applies)
    return system


# --- From a situation of our JSON contract to OpenFisca inputs ---------------------------------

_TIMELY = {
    "spontaneously": True,
    "after_invitation_within_deadline": True,
    "after_invitation_after_deadline": False,
    "not_regularised": False,
}


def openfisca_inputs(situation: dict) -> dict[str, object]:
    """Known input values of a general-regime situation (JSON contract), by OpenFisca variable.

    ``regularised_in_time`` comes from the stated timeliness (``regularised``); a bare
    ``after_invitation`` without the dates to compute it stays unknown, as in our engine.
    ``first_time`` is filled from ``previous_error_same_rule`` when only that one is given.
    """
    values: dict[str, object] = {}
    for name in ("sanction_nature", "exception_category", "error_kind"):
        if situation.get(name) is not None:
            values[name] = situation[name]
    for name in ("bad_faith_established", "fraud_established", "first_time"):
        if situation.get(name) is not None:
            values[name] = bool(situation[name])
    if "first_time" not in values and situation.get("previous_error_same_rule") is not None:
        values["first_time"] = not situation["previous_error_same_rule"]
    timely = _TIMELY.get(situation.get("regularised"))
    if timely is not None:
        values["regularised_in_time"] = timely
    return values


def single_case_input(situation: dict) -> dict:
    """The ``build_from_entities`` input for one person."""
    variables: dict[str, dict] = {}
    for name, value in openfisca_inputs(situation).items():
        variables[name] = {PERIOD: value}
        variables[f"{name}_known"] = {PERIOD: True}
    return {"persons": {"p": variables}}


def evaluate_one(system: TaxBenefitSystem, case: dict) -> int:
    """Single-case simulation: build a simulation for one person, then calculate."""
    simulation = SimulationBuilder().build_from_entities(system, case)
    return int(simulation.calculate("right_to_error_applies", PERIOD)[0])


def input_arrays(situations: list[dict]) -> dict[str, numpy.ndarray]:
    """Column arrays (values + known masks) for a vectorised simulation."""
    count = len(situations)
    arrays: dict[str, numpy.ndarray] = {}
    for name, enum in INPUTS.items():
        arrays[name] = numpy.zeros(count, dtype=numpy.int16 if enum else numpy.bool_)
        arrays[f"{name}_known"] = numpy.zeros(count, dtype=numpy.bool_)
    for row, situation in enumerate(situations):
        for name, value in openfisca_inputs(situation).items():
            enum = INPUTS[name]
            arrays[name][row] = enum[value].index if enum else value
            arrays[f"{name}_known"][row] = True
    return arrays


def evaluate_arrays(system: TaxBenefitSystem, arrays: dict[str, numpy.ndarray]) -> numpy.ndarray:
    """Vectorised simulation over as many persons as the arrays have rows."""
    count = len(next(iter(arrays.values())))
    simulation = SimulationBuilder().build_default_simulation(system, count)
    for name, array in arrays.items():
        simulation.set_input(name, PERIOD, array)
    return simulation.calculate("right_to_error_applies", PERIOD)


def random_arrays(count: int, seed: int = 0) -> dict[str, numpy.ndarray]:
    """Random general-regime inputs, about one fact in ten unknown, drawn directly as arrays."""
    rng = numpy.random.default_rng(seed)
    arrays: dict[str, numpy.ndarray] = {}
    for name, enum in INPUTS.items():
        if enum is None:
            arrays[name] = rng.random(count) < 0.5
        else:
            arrays[name] = rng.integers(0, len(enum), count, dtype=numpy.int16)
        arrays[f"{name}_known"] = rng.random(count) >= 0.1
    return arrays
