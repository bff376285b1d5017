"""The bridge between a case and the right-to-error engine (bonnefoi.rules): the situation
pre-filled from the declaration, which the agent completes, and the engine's answer kept with
the decision as it was given."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from bonnefoi.cases.models import Case
from bonnefoi.cases.routing import department_of_postal_code
from bonnefoi.rules import evaluate, parse_situation
from bonnefoi.rules.situation import SituationError


def prefill_situation(case: Case) -> dict:
    """What the declaration already tells: sector (from the procedure), département, dates of
    the error and of the regularisation, the administration's letter and deadline. Everything
    else (nature of the error and of the sanction, first time…) is the agent's to answer."""
    situation: dict = {}
    if case.procedure.engine_sector:
        situation["sector"] = case.procedure.engine_sector
    situation["location"] = {"department": department_of_postal_code(case.postal_code)}
    dates = {
        "error": case.declared_on.isoformat(),
        "regularisation": case.submitted_at.date().isoformat(),
    }
    if case.administration_asked and case.letter_date:
        dates["invitation"] = case.letter_date.isoformat()
        if case.letter_deadline:
            dates["deadline_stated"] = case.letter_deadline.isoformat()
        situation["regularised"] = "after_invitation"
    else:
        situation["regularised"] = "spontaneously"
    situation["dates"] = dates
    return situation


def run_engine(situation: dict) -> dict:
    """The engine's full answer (JSON contract), or a ValidationError keyed "situation.<field>"."""
    try:
        parsed = parse_situation(situation)
    except SituationError as error:
        raise ValidationError(
            {f"situation.{name}": messages for name, messages in error.errors.items()}
        ) from None
    return evaluate(parsed).to_json()
