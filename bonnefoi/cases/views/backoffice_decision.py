"""Decision support: the agent completes the engine's situation (pre-filled from the
declaration), asks the engine ("Évaluer", a round trip without JavaScript), reads its decision,
missing facts and trace, then records a motivated decision (services.case_decide checks
deviations from the engine and the evidence of bad faith or fraud).

One HTML form holds the situation and the decision, so nothing typed is lost between an
evaluation and the recording, nor after a refusal or a conflict.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bonnefoi.cases import selectors, services
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.agent_forms import (
    ALIAS_FACTS,
    BASE_FACTS,
    DecisionForm,
    SituationForm,
    field_name,
    flatten,
    to_situation,
)
from bonnefoi.cases.engine import prefill_situation, run_engine
from bonnefoi.cases.models import Case, Outcome
from bonnefoi.cases.views.backoffice import case_or_404, forbidden
from bonnefoi.cases.views.backoffice_actions import typed_values
from bonnefoi.right_to_error import checker
from bonnefoi.rules.explain import fact_label
from bonnefoi.rules.situation import FIELD_NAMES
from bonnefoi.structures.abilities import permissions_on

TEMPLATE = "cases/backoffice/decision.html"
_RESULT_WORDS = {True: "Condition remplie", False: "Condition non remplie", None: "Inconnu"}


def _facts_to_show(answers: dict[str, str], engine: dict | None, extra=()) -> set[str]:
    """Base facts, facts already answered, and every fact the engine read or still wants."""
    facts = set(BASE_FACTS) | set(answers) | set(extra)
    if engine:
        facts |= set(engine["missing_facts"]) | set(engine["missing_for_amounts"])
        for step in engine["trace"]:
            facts |= {name for name in step["facts"] if name in FIELD_NAMES}
    facts -= {alias for alias in ALIAS_FACTS if alias not in answers and not _asked(engine, alias)}
    return facts


def _asked(engine: dict | None, fact: str) -> bool:
    return bool(engine) and fact in (*engine["missing_facts"], *engine["missing_for_amounts"])


def _evaluate(situation: dict) -> tuple[dict | None, dict[str, list[str]]]:
    try:
        return run_engine(situation), {}
    except ValidationError as error:
        return None, {
            name.removeprefix("situation."): messages_
            for name, messages_ in error.message_dict.items()
        }


def _engine_view(engine: dict | None) -> dict | None:
    """What the page shows of the engine's answer."""
    if engine is None:
        return None
    applies = engine["right_to_error_applies"]
    if applies is None:
        suggested = None
    elif applies:
        suggested = Outcome.GRANTED.label
    else:
        suggested = Outcome.NOT_APPLICABLE.label
    return {
        "applies": applies,
        "suggested": suggested,
        "rule": engine["rule"],
        "rule_version": engine["rule_version"],
        "agent_text": engine["explanation"]["agent"],
        "missing": [checker.question(f).label for f in engine["missing_facts"]],
        "missing_for_amounts": [checker.question(f).label for f in engine["missing_for_amounts"]],
        "flags": engine["flag_details"],
        "articles": [
            {**ref, "version_date": _day(ref["version_date"])} for ref in engine["articles"]
        ],
        "trace": [
            {
                "label": step["label"],
                "result": _RESULT_WORDS[step["result"]],
                "result_value": step["result"],
                "facts": [
                    (_fact_label(name), "inconnu" if value is None else _display(name, value))
                    for name, value in step["facts"].items()
                ],
                "note": step["note"],
            }
            for step in engine["trace"]
        ],
        "effective_deadline": _day(engine["effective_deadline"]),
    }


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _fact_label(name: str) -> str:
    try:
        return checker.question(name).label
    except KeyError:  # a derived fact: its label is in facts.toml but it is never asked
        label = fact_label(name)
        return label[:1].upper() + label[1:]


def _display(name: str, value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    try:
        return checker.question(name).display(str(value))
    except (KeyError, ValueError):
        return str(value)


def _page(request, case: Case, situation_form, decision_form, engine, *, status=200, **extra):
    services.case_record_view(case=case, user=request.user, page="décision")  # every rendering
    rule = engine["rule"] if engine else None
    context = {
        "title": ("Erreur — " if status >= 400 else "") + f"Décision — Dossier {case.reference}",
        "case": case,
        "situation_form": situation_form,
        "decision_form": decision_form,
        "engine": _engine_view(engine),
        "prior": selectors.prior_outcomes(case, request.user, rule),
        "prior_rule": rule,
        "conflict": None,
        "typed": [],
        "evaluated": False,
        "can_decide": True,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def _posted_facts(post) -> set[str]:
    names = {field_name(fact): fact for fact in FIELD_NAMES}
    return {names[key] for key in post if key in names}


@require_http_methods(["GET", "HEAD", "POST"])
def decide(request, reference: str):
    case = case_or_404(request.user, reference)
    abilities = case_abilities(request.user, case)
    if not (abilities["process"] and "case.decide" in permissions_on(request.user, case.structure)):
        return forbidden(request, "Votre rôle ne permet pas de décider des dossiers.")
    recording = request.method == "POST" and request.POST.get("action") == "record"
    if not abilities["decide"] and not recording:  # recording: the service explains conflicts
        messages.info(
            request, f"Ce dossier ne peut pas être décidé : il est « {case.get_state_display()} »."
        )
        return redirect("cases_backoffice:case", reference=case.reference)
    if request.method != "POST":
        answers = flatten(prefill_situation(case))
        engine, _errors = _evaluate(to_situation(answers))
        form = SituationForm(facts=_facts_to_show(answers, engine), initial_answers=answers)
        return _page(request, case, form, DecisionForm(case=case), engine)
    posted = _posted_facts(request.POST)
    situation_form = SituationForm(request.POST, facts=posted | set(BASE_FACTS))
    if not recording:
        return _evaluate_round_trip(request, case, situation_form)
    return _record(request, case, situation_form)


def _decision_initial(post) -> DecisionForm:
    """The decision fields as typed, shown without errors (nothing was recorded yet)."""
    names = DecisionForm.base_fields
    return DecisionForm(initial={name: post.get(name, "") for name in names if name in post})


def _evaluate_round_trip(request, case: Case, situation_form: SituationForm):
    decision_form = _decision_initial(request.POST)
    if not situation_form.is_valid():
        return _page(request, case, situation_form, decision_form, None, status=400)
    answers = situation_form.answers
    engine, errors = _evaluate(situation_form.situation())
    if errors:
        for fact, messages_ in errors.items():
            for message in messages_:
                situation_form.add_error(_field_or_none(situation_form, fact), message)
        return _page(request, case, situation_form, decision_form, None, status=400)
    # Ask again with the facts the engine now wants; what was typed stays as typed.
    data = request.POST.copy()
    form = SituationForm(data, facts=_facts_to_show(answers, engine, situation_form.facts))
    form.is_valid()
    return _page(request, case, form, decision_form, engine, evaluated=True)


def _field_or_none(form, fact: str) -> str | None:
    name = field_name(fact)
    return name if name in form.fields else None


def _record(request, case: Case, situation_form: SituationForm):
    decision_form = DecisionForm(request.POST, case=case)
    situation_ok = situation_form.is_valid()
    decision_ok = decision_form.is_valid()
    engine = _evaluate(situation_form.situation())[0] if situation_ok else None
    if not (situation_ok and decision_ok):
        return _page(request, case, situation_form, decision_form, engine, status=400)
    data = decision_form.cleaned_data
    try:
        services.case_decide(
            case=case,
            user=request.user,
            data=services.DecisionInput(
                outcome=data["outcome"],
                situation=situation_form.situation(),
                motivation=data["motivation"],
                deviation_reason=data["deviation_reason"],
                evidence=data["evidence"],
                sanction_amount_eur=data["sanction_amount_eur"],
                sums_due_eur=data["sums_due_eur"],
            ),
            expected_version=data["version"],
        )
    except services.CaseConflict as conflict:
        return _conflict(request, case, situation_form, decision_form, engine, conflict.message)
    except PermissionDenied as denied:
        return forbidden(request, str(denied))
    except ValidationError as error:
        for fact, messages_ in decision_form.add_service_errors(error).items():
            for message in messages_:
                situation_form.add_error(_field_or_none(situation_form, fact), message)
        case.refresh_from_db()
        return _page(request, case, situation_form, decision_form, engine, status=400)
    messages.success(request, "Décision enregistrée. Le courrier de décision est en préparation.")
    return redirect("cases_backoffice:case", reference=case.reference)


def _conflict(request, case, situation_form, decision_form, engine, message: str):
    """Another agent changed the case: show it as it is now, and keep what was typed."""
    case = case_or_404(request.user, case.reference)
    typed = typed_values(decision_form)
    data = request.POST.copy()
    data["version"] = str(case.version)
    fresh = DecisionForm(data, case=case)
    fresh.is_valid()
    return _page(
        request,
        case,
        situation_form,
        fresh,
        engine,
        status=409,
        conflict=message,
        typed=typed,
        can_decide=case_abilities(request.user, case)["decide"],
    )
