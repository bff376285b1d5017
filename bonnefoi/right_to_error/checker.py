"""The public checker's questionnaire, without HTTP.

The state of a questionnaire is its answers, one query-string parameter per fact of the JSON
contract (dotted names: ``dates.invitation=2025-03-14``). An empty value means "je ne sais
pas": the fact stays unknown and is not asked again. Nothing else is kept anywhere, so a result
URL can be shared and holds no personal data (only closed choices, dates, counts and amounts).

The next question is never chosen here: :func:`walk` replays the questionnaire from the start,
asking the engine each time which fact it needs first (``decision.missing_facts``), and takes
the person's answer to it from the URL when there is one. The questions asked are therefore
exactly the ones the applicable rules need, in the engine's order; answers the current path
does not need are ignored (and dropped from the result URL).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from bonnefoi.rules import Decision, SituationError, evaluate, load_catalogue, parse_situation
from bonnefoi.rules.situation import FIELD_KINDS, FIELD_NAMES, to_json_value

UNKNOWN = ""  # the answer "je ne sais pas"
EDIT_PARAM = "modifier"  # show this question again, with its answer pre-selected
STEP_PARAM = "etape"  # the question a submitted form answered
MAX_VALUE_LENGTH = 40

MISSING_ANSWER = "Répondez à la question, ou choisissez « Je ne sais pas »."
UNKNOWN_CHOICE = "Cette réponse ne fait pas partie des choix proposés : choisissez-en une."
TOO_LONG = "Réponse trop longue."

# How each type of contract field is asked (booleans, closed lists and delays as choices).
_KINDS = {
    "boolean": "choice",
    "enum": "choice",
    "deadline_rule": "choice",
    "date": "date",
    "count": "count",
    "amount": "amount",
    "percentage": "percentage",
    "department": "department",
}
# A consistency error reported on a fact filled from another name (the alias) belongs to it.
_ALIASES = {"dates.deadline_stated": "dates.deadline", "first_time": "previous_error_same_rule"}
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


# When a person does not know a fact, the engine may settle the same point from other facts:
# the last day to correct can be computed from the deadline the letter gave (and its date).
ALTERNATIVES = {"dates.deadline_stated": ("deadline_rule",)}


class BadQuery(ValueError):
    """The query string holds a parameter the checker does not know, or one twice."""


@dataclass(frozen=True, slots=True)
class Question:
    fact: str
    label: str  # short French name of the fact
    text: str  # the question, in plain French
    help: str | None
    kind: str  # choice | date | count | amount | percentage | department
    choices: tuple[tuple[str, str], ...]  # (value, French label)

    def display(self, value: str) -> str:
        """The French form of an answer, for the summary of answers."""
        if value == UNKNOWN:
            return "Je ne sais pas"
        if self.kind == "choice":
            return dict(self.choices).get(value, value)
        if self.kind == "date":
            year, month, day = value.split("-")
            return f"{day}/{month}/{year}"
        if self.kind in {"amount", "percentage"}:
            text = f"{Decimal(value):f}".replace(".", ",")
            return f"{text} €" if self.kind == "amount" else f"{text} %"
        return value


@cache
def question(fact: str) -> Question:
    info = load_catalogue().facts[fact]
    kind = _KINDS[FIELD_KINDS[fact]]
    return Question(
        fact=fact,
        label=info.label[:1].upper() + info.label[1:],
        text=info.question,
        help=info.help,
        kind=kind,
        choices=tuple(info.choices.items()),
    )


def read_query(pairs) -> tuple[dict[str, str], dict[str, str]]:
    """Split query-string pairs into answers (fact -> raw value) and control parameters.

    Raises BadQuery for an unknown parameter name or a repeated one.
    """
    answers: dict[str, str] = {}
    controls: dict[str, str] = {}
    for name, value in pairs:
        if name in FIELD_NAMES:
            target = answers
        elif name in {EDIT_PARAM, STEP_PARAM}:
            target = controls
            if value not in FIELD_NAMES:
                raise BadQuery(f"Question inconnue : {value[:MAX_VALUE_LENGTH]!r}.")
        else:
            raise BadQuery(f"Paramètre inconnu : {name[:MAX_VALUE_LENGTH]!r}.")
        if name in target:
            raise BadQuery(f"Paramètre répété : {name!r}.")
        target[name] = value
    return answers, controls


def _prepare(fact: str, raw: str):
    """A raw URL value turned into its JSON-contract form (checked further by the engine)."""
    kind = question(fact).kind
    value = raw.strip()
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(TOO_LONG)
    if kind == "choice" and fact != "deadline_rule":
        if value not in dict(question(fact).choices):
            raise ValueError(UNKNOWN_CHOICE)
        if FIELD_KINDS[fact] == "boolean":
            return value == "true"
        return value
    if kind == "date" and (match := _FRENCH_DATE.match(value)):
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if kind in {"amount", "percentage", "count"}:
        value = _SPACES.sub("", value).removesuffix("€").removesuffix("%").replace(",", ".")
    return value


def _nest(flat: dict) -> dict:
    out: dict = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        target = out
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return out


def validate(answers: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(canonical answers, errors): every known answer checked by the engine's own parser.

    Canonical answers keep the URL's order, with values in their contract form (ISO dates,
    "true"/"false", amounts with a dot); errors map facts to French messages.
    """
    errors: dict[str, list[str]] = {}
    prepared: dict = {}
    for fact, raw in answers.items():
        if raw == UNKNOWN:
            continue
        try:
            prepared[fact] = _prepare(fact, raw)
        except ValueError as exc:
            errors[fact] = [str(exc)]
    while True:
        try:
            situation = parse_situation(_nest(prepared))
        except SituationError as exc:
            for name, messages in exc.errors.items():
                fact = _ALIASES.get(name, name) if name not in answers else name
                if fact not in answers:  # a contract error no answer explains: a bug
                    raise
                errors.setdefault(fact, []).extend(messages)
                prepared.pop(fact, None)
            continue
        break
    canonical = {
        fact: UNKNOWN if raw == UNKNOWN else _canonical(situation.get(fact))
        for fact, raw in answers.items()
        if fact not in errors
    }
    return canonical, errors


def _canonical(value) -> str:
    value = to_json_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Step:
    question: Question
    value: str  # canonical value, or UNKNOWN

    @property
    def fact(self) -> str:
        return self.question.fact

    @property
    def unknown(self) -> bool:
        return self.value == UNKNOWN

    @property
    def display(self) -> str:
        return self.question.display(self.value)


@dataclass(frozen=True, slots=True)
class Walk:
    steps: tuple[Step, ...]  # the questions asked so far, in order, with their answers
    next_fact: str | None  # the first question the person has not answered yet
    remaining: tuple[str, ...]  # facts still wanted after the steps (an estimate of what is left)
    decision: Decision  # the decision on the answers of the steps only

    @property
    def finished(self) -> bool:
        return self.next_fact is None

    def position(self, fact: str) -> int:
        """1-based number of a question in this questionnaire."""
        for number, step in enumerate(self.steps, start=1):
            if step.fact == fact:
                return number
        return len(self.steps) + 1

    def answers(self) -> dict[str, str]:
        """The answers the decision used: the content of the result URL."""
        return {step.fact: step.value for step in self.steps}


def walk(answers: dict[str, str]) -> Walk:
    """Replay the questionnaire on canonical answers (see the module docstring).

    Until the decision is determinate, the engine's missing facts are asked in its order; once it
    is, the facts it still needs to compute amounts (tax interest) are asked too. A fact answered
    "je ne sais pas" is not asked again; its ALTERNATIVES are asked instead, if any.
    """
    steps: list[Step] = []
    known: dict[str, str] = {}
    for _ in range(len(FIELD_NAMES) + 1):
        situation = parse_situation(_nest({f: _prepare(f, v) for f, v in known.items()}))
        decision = evaluate(situation)
        if decision.right_to_error_applies is None:
            wanted = decision.missing_facts
        else:
            wanted = decision.missing_for_amounts
        asked = {step.fact for step in steps}
        remaining = []
        for fact in wanted:
            for candidate in (fact, *ALTERNATIVES.get(fact, ())) if fact in asked else (fact,):
                if candidate not in asked and candidate not in known and candidate not in remaining:
                    remaining.append(candidate)
        remaining = tuple(remaining)
        if not remaining or remaining[0] not in answers:
            next_fact = remaining[0] if remaining else None
            return Walk(tuple(steps), next_fact, remaining, decision)
        fact = remaining[0]
        steps.append(Step(question(fact), answers[fact]))
        if answers[fact] != UNKNOWN:
            known[fact] = answers[fact]
    raise RuntimeError("Le questionnaire ne se termine pas : vérifiez les faits manquants.")
