"""The decision: what the engine concludes, why, and its JSON form."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bonnefoi.rules.enums import SanctionOutcome
from bonnefoi.rules.situation import Situation, to_json_value


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One evaluated step: a condition, or the choice of the rule and its version."""

    id: str
    label: str
    result: bool | None
    facts: tuple[str, ...]  # names of the facts the step read
    references: tuple[str, ...]  # legal reference ids
    note: str | None = None


def _render(step) -> TraceStep:
    if isinstance(step, TraceStep):
        return step
    if len(step) == 2:
        condition, result = step
        return TraceStep(
            condition.id, condition.label, result, condition.test.facts, condition.references
        )
    render, *args = step
    return render(*args)


def _references(step) -> tuple[str, ...]:
    if isinstance(step, TraceStep):
        return step.references
    if len(step) == 2:
        return step[0].references
    return _render(step).references


_JSON_BOOL = {True: "true", False: "false", None: "null"}
SAFE_ID = re.compile(r"^[A-Za-z0-9_.@:+-]+$")


def _quoted(value) -> str:
    return "null" if value is None else f'"{value}"'


# Rendered JSON fragments, keyed by what they depend on. Both are bounded by the rule data
# (versions x outcomes, sets of cited references); _remember caps them anyway.
_HEADS: dict[tuple, str] = {}
_LISTS: dict[tuple, str] = {}
_MAX_REMEMBERED = 4096


def _remember(cache: dict, key, value: str) -> str:
    if len(cache) < _MAX_REMEMBERED:
        cache[key] = value
    return value


def _list(values: tuple[str, ...]) -> str:
    return '["' + '","'.join(values) + '"]' if values else "[]"


@dataclass(frozen=True, slots=True)
class Interest:
    monthly_rate_pct: Decimal | None
    reduction_pct: Decimal | None
    amount_eur: Decimal | None

    def to_json(self) -> dict:
        return {
            "monthly_rate_pct": to_json_value(self.monthly_rate_pct),
            "reduction_pct": to_json_value(self.reduction_pct),
            "amount_eur": to_json_value(self.amount_eur),
        }


@dataclass
class Decision:
    right_to_error_applies: bool | None
    sanction: SanctionOutcome | None
    regime: str | None
    rule: str | None  # id of the rule applied (rules.toml)
    rule_version: str | None
    principal_still_due: bool
    principal_amount_eur: Decimal | None
    interest: Interest | None
    effective_deadline: date | None
    deadline_extension: tuple[str, ...]  # why the deadline moved to a later working day
    missing_facts: tuple[str, ...]
    missing_for_amounts: tuple[str, ...]
    flags: tuple[str, ...]
    # Trace steps as evaluated: TraceStep, (Condition, result) or a deferred (render, *args)
    # tuple; `trace` renders them on demand so batch mode pays nothing for labels.
    steps: tuple = field(repr=False)
    rules_version: str
    situation: Situation = field(repr=False)
    failed_condition: str | None = None  # id of the condition that refused, if any
    derived: dict = field(default_factory=dict, repr=False)  # derived fact -> (value, missing)
    cited: tuple[str, ...] | None = field(default=None, repr=False)  # precomputed `articles`

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        return tuple(_render(step) for step in self.steps)

    @property
    def articles(self) -> tuple[str, ...]:
        """Legal reference ids, in the order the trace cites them."""
        if self.cited is not None:
            return self.cited
        return tuple(dict.fromkeys(ref for step in self.steps for ref in _references(step)))

    def fact_value(self, name: str):
        if name.startswith("derived."):
            return to_json_value(self.derived.get(name, (None,))[0])
        return to_json_value(self.situation.get(name))

    def summary(self) -> dict:
        """The compact JSON form (no trace, no texts): what batch mode writes by default."""
        deadline = self.effective_deadline
        return {
            "right_to_error_applies": self.right_to_error_applies,
            "sanction": self.sanction.value if self.sanction else None,
            "regime": self.regime,
            "rule": self.rule,
            "rule_version": self.rule_version,
            "articles": list(self.articles),
            "principal_still_due": self.principal_still_due,
            "interest": self.interest.to_json() if self.interest else None,
            "effective_deadline": deadline.isoformat() if deadline else None,
            "missing_facts": list(self.missing_facts),
            "flags": list(self.flags),
            "rules_version": self.rules_version,
        }

    def summary_json(self, line: int | None = None) -> str:
        """``json.dumps(summary())`` (plus ``"line"``), written directly: batch mode's hot path.

        Every string in the compact form is an identifier from the rule data or the contract
        (checked against ``SAFE_ID`` when the data loads), so nothing needs escaping. The parts
        that only depend on the rule version and the outcome are rendered once and reused.
        """
        head_key = (self.right_to_error_applies, self.sanction, self.rule_version, self.rule)
        head = _HEADS.get(head_key)
        if head is None:
            head = _remember(_HEADS, head_key, self._head())
        articles = self.articles
        cited = _LISTS.get(articles)
        if cited is None:
            cited = _remember(_LISTS, articles, _list(articles))
        interest = self.interest
        if interest is None:
            interest_json = "null"
        else:
            interest_json = (
                f'{{"monthly_rate_pct":{_quoted(interest.monthly_rate_pct)},'
                f'"reduction_pct":{_quoted(interest.reduction_pct)},'
                f'"amount_eur":{_quoted(interest.amount_eur)}}}'
            )
        deadline = self.effective_deadline
        missing, flags = self.missing_facts, self.flags
        return "".join(
            (
                head,
                ',"articles":',
                cited,
                ',"principal_still_due":',
                _JSON_BOOL[self.principal_still_due],
                ',"interest":',
                interest_json,
                ',"effective_deadline":',
                f'"{deadline.isoformat()}"' if deadline is not None else "null",
                ',"missing_facts":',
                _list(missing) if missing else "[]",
                ',"flags":',
                _list(flags) if flags else "[]",
                f',"rules_version":"{self.rules_version}"',
                "}" if line is None else f',"line":{int(line)}}}',
            )
        )

    def _head(self) -> str:
        sanction = self.sanction
        return (
            f'{{"right_to_error_applies":{_JSON_BOOL[self.right_to_error_applies]}'
            f',"sanction":{_quoted(sanction.value if sanction is not None else None)}'
            f',"regime":{_quoted(self.regime)},"rule":{_quoted(self.rule)}'
            f',"rule_version":{_quoted(self.rule_version)}'
        )

    def to_json(self) -> dict:
        """The full JSON contract form: decision, references, trace and explanations."""
        from bonnefoi.rules.catalogue import load_catalogue
        from bonnefoi.rules.explain import explain

        catalogue = load_catalogue()
        out = self.summary()
        out["articles"] = [catalogue.references[ref].to_json() for ref in self.articles]
        out["principal_amount_eur"] = to_json_value(self.principal_amount_eur)
        out["deadline_extension"] = list(self.deadline_extension)
        out["missing_for_amounts"] = list(self.missing_for_amounts)
        out["flag_details"] = [
            {"id": flag, "message": catalogue.flags[flag].message} for flag in self.flags
        ]
        out["trace"] = [
            {
                "id": step.id,
                "label": step.label,
                "result": step.result,
                "facts": {name: self.fact_value(name) for name in step.facts},
                "references": list(step.references),
                "note": step.note,
            }
            for step in self.trace
        ]
        out["explanation"] = explain(self)
        return out
