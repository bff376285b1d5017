"""Public pages of the right to error: the step-by-step checker and the rules documentation.

The checker keeps no state on the server: every page reads its answers from the query string
(see ``bonnefoi.right_to_error.checker``). Each question is a GET form; a submitted answer is
validated by the rules engine, then the browser is sent to the clean URL of the next question,
or of the result.
"""

from datetime import date
from decimal import Decimal
from functools import cache
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from bonnefoi.right_to_error import checker
from bonnefoi.right_to_error.checker import EDIT_PARAM, STEP_PARAM, UNKNOWN, BadQuery
from bonnefoi.right_to_error.forms import QuestionForm
from bonnefoi.rules import load_catalogue
from bonnefoi.rules.docs import rules_catalogue_json, sectors_json
from bonnefoi.rules.explain import public_parts

TITLE = "Vérifier mon droit à l'erreur"
UNDETERMINED = "Nous ne pouvons pas encore répondre."
STEPPER_MAX = 8  # the DSFR stepper draws at most 8 steps
PARAMETER_LABELS = {
    "base_monthly_rate_pct": "Taux de l'intérêt de retard, par mois",
    "reduction_pct": "Réduction de l'intérêt de retard",
}


def _url(name: str, params: dict[str, str]) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(list(params.items()))}" if params else url


def _read(request) -> tuple[list[tuple[str, str]], dict, dict]:
    pairs = [(name, value) for name, values in request.GET.lists() for value in values]
    answers, controls = checker.read_query(pairs)
    return pairs, answers, controls


def _bad_query(request, error: BadQuery):
    context = {"title": "Adresse incorrecte", "message": str(error)}
    return render(request, "right_to_error/checker_bad_request.html", context, status=400)


@login_not_required
@require_safe
def checker_question(request):
    """One question: the next one the rules need, or the one named by ``modifier``."""
    try:
        _pairs, answers, controls = _read(request)
    except BadQuery as error:
        return _bad_query(request, error)
    canonical, errors = checker.validate(answers)
    answered = controls.get(STEP_PARAM)
    if answered is not None:
        if answers.get(answered, UNKNOWN).strip() == UNKNOWN and answered not in errors:
            errors[answered] = [checker.MISSING_ANSWER]
        if not errors:
            walk = checker.walk(canonical)
            if walk.finished:
                return redirect(_url("right_to_error:checker_result", walk.answers()))
            return redirect(_url("right_to_error:checker", canonical))
    if errors:
        fact = answered if answered in errors else next(iter(errors))
        return _question_page(
            request, canonical, fact, answers.get(fact, ""), errors[fact], status=400
        )
    walk = checker.walk(canonical)
    edited = controls.get(EDIT_PARAM)
    if edited is not None:
        return _question_page(request, canonical, edited, canonical.get(edited), ())
    if walk.finished:
        return redirect(_url("right_to_error:checker_result", walk.answers()))
    return _question_page(request, canonical, walk.next_fact, None, ())


def _question_page(request, canonical, fact, value, errors, status=200):
    walk = checker.walk(canonical)
    question = checker.question(fact)
    bound = bool(value) or bool(errors)  # "je ne sais pas" shows the question unanswered
    form = QuestionForm(question, value=(value or "") if bound else None, errors=errors)
    form.is_valid()
    number = walk.position(fact)
    # An estimate: the engine only knows the facts its current rule needs (none beyond the
    # sector before it is known), so the total is shown only when it says more than "this one".
    total = len(walk.steps) + len(walk.remaining)
    previous_url = None
    if number > 1:
        previous = walk.steps[number - 2].fact
        previous_url = _url("right_to_error:checker", {**canonical, EDIT_PARAM: previous})
    context = {
        "title": f"Question {number} — {TITLE}"
        if not errors
        else f"Erreur — Question {number} — {TITLE}",
        "heading": TITLE,
        "form": form,
        "field": form.field,
        "question": question,
        "number": number,
        "total": total if total > number else None,
        "stepper_steps": min(total, STEPPER_MAX),
        "stepper_current": max(1, round(number * STEPPER_MAX / total))
        if total > STEPPER_MAX
        else number,
        "hidden": [(name, answer) for name, answer in canonical.items() if name != fact],
        "step_param": STEP_PARAM,
        "previous_url": previous_url,
        "dont_know_url": _url("right_to_error:checker_result", {**canonical, fact: UNKNOWN}),
        "is_first": number == 1,
    }
    return render(request, "right_to_error/checker_question.html", context, status=status)


@login_not_required
@require_safe
def checker_result(request):
    """The decision on the answers in the URL; the URL is made canonical (answers used only)."""
    try:
        pairs, answers, controls = _read(request)
        if controls:
            raise BadQuery("Cette page n'accepte que des réponses.")
    except BadQuery as error:
        return _bad_query(request, error)
    canonical, errors = checker.validate(answers)
    if errors:
        fact = next(iter(errors))
        return _question_page(request, canonical, fact, answers[fact], errors[fact], status=400)
    walk = checker.walk(canonical)
    used = walk.answers()
    if pairs != list(used.items()):
        return redirect(_url("right_to_error:checker_result", used))
    return render(request, "right_to_error/checker_result.html", _result_context(walk, used))


def _result_context(walk: checker.Walk, used: dict[str, str]) -> dict:
    catalogue = load_catalogue()
    decision = walk.decision
    data = decision.to_json()
    unknown = {step.fact for step in walk.steps if step.unknown}
    sector = catalogue.sectors.get(decision.situation.sector) if decision.situation.sector else None
    interest = data["interest"]
    return {
        "title": f"Résultat — {TITLE}",
        "heading": TITLE,
        "applies": decision.right_to_error_applies,
        # The alert carries the verdict and its reason; interest, deadline, what is owed and
        # next steps have their own sections below. Its title already says it when no answer
        # can be given yet.
        "explanation": public_parts(decision)["verdict"].removeprefix(UNDETERMINED).strip(),
        "principal": sector.principal if sector else None,
        "principal_amount": _euros(decision.principal_amount_eur),
        "interest": {
            "rate": _percent(interest["monthly_rate_pct"]),
            "reduction": _percent(interest["reduction_pct"]),
            "amount": _euros(interest["amount_eur"]),
        }
        if interest and interest["monthly_rate_pct"] is not None
        else None,
        "effective_deadline": decision.effective_deadline,
        "deadline_extension": data["deadline_extension"],
        "missing": [
            {"question": checker.question(fact), "unknown": fact in unknown}
            for fact in (*data["missing_facts"], *data["missing_for_amounts"])
        ],
        "flags": data["flag_details"],
        "articles": [_reference(reference) for reference in data["articles"]],
        "rule_anchor": decision.rule,
        "steps": [
            {
                "step": step,
                "edit_url": _url("right_to_error:checker", {**used, EDIT_PARAM: step.fact}),
            }
            for step in walk.steps
        ],
        "continue_url": None if walk.finished else _url("right_to_error:checker", used),
    }


def _number(value) -> str:
    return f"{Decimal(value):f}".replace(".", ",")


def _percent(value) -> str | None:
    return None if value is None else f"{_number(value)} %"


def _euros(value) -> str | None:
    if value is None:
        return None
    whole, _, cents = f"{Decimal(value):.2f}".partition(".")
    return f"{int(whole):,}".replace(",", "\u202f") + f",{cents} €"


@login_not_required
@require_safe
def rules(request):
    """The rules documentation, generated from the rule data."""
    return render(
        request,
        "right_to_error/rules.html",
        {"title": "Les règles du droit à l'erreur", **_rules_context()},
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _reference(reference: dict) -> dict:
    return {**reference, "version_date": _day(reference["version_date"])}


@cache
def _rules_context() -> dict:
    rules_data = rules_catalogue_json()
    titles = {rule["id"]: rule["title"] for rule in rules_data}
    sectors = [
        {
            **sector,
            "rules": [
                {"id": route["rule"], "title": titles[route["rule"]], "when": route["when"]}
                for route in sector["routes"]
            ],
        }
        for sector in sectors_json()
    ]
    used_by = {sector["id"]: set(sector["rules"]) for sector in sectors_json()}
    references = load_catalogue().references
    rules_list = []
    for rule in rules_data:
        versions = [
            {
                **version,
                "valid_from": _day(version["valid_from"]),
                "valid_to": _day(version["valid_to"]),
                "references": [_reference(reference) for reference in version["references"]],
                "conditions": [
                    {
                        **condition,
                        "references": [
                            references[ref_id].to_json() for ref_id in condition["references"]
                        ],
                    }
                    for condition in version["conditions"]
                ],
                "parameters": [
                    (PARAMETER_LABELS.get(name, name), _percent(value))
                    for name, value in version["parameters"].items()
                ],
            }
            for version in rule["versions"]
        ]
        rules_list.append(
            {
                **rule,
                "versions": versions,
                "sectors": [s["label"] for s in sectors if rule["id"] in used_by[s["id"]]],
                "before_first_version_title": titles.get(rule["before_first_version"]),
            }
        )
    return {"sectors": sectors, "rules": rules_list}
