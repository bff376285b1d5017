"""Three-valued (Kleene) conditions compiled from rule data.

A condition's test is a small expression written in the rule files::

    {fact = "sanction_nature", in = ["administrative_pecuniary", "benefit_withdrawal"]}
    {all = [ {...}, {...} ]}   {any = [ ... ]}   {not = {...}}   {const = false}

Operators on a fact: eq, ne, in, not_in, lt, le, gt, ge. A fact that is unknown (None) makes its
comparison unknown. ``all`` is false as soon as one part is false, unknown if a part is unknown,
else true; ``any`` is the dual. Expressions compile once into closures (the engine evaluates
them millions of times in batch mode); the facts a result depends on are only collected when the
result is unknown, to report what is missing.
"""

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bonnefoi.rules.situation import FIELD_NAMES, Situation

_OPERATORS: dict[str, Callable] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "in": lambda value, allowed: value in allowed,
    "not_in": lambda value, allowed: value not in allowed,
}
_FACT_NAMES = frozenset(FIELD_NAMES)


class Context:
    """One evaluation: the situation, memoised derived facts and their side results."""

    __slots__ = ("derived_cache", "notes", "situation")

    def __init__(self, situation: Situation):
        self.situation = situation
        self.derived_cache: dict[str, tuple] = {}
        self.notes: dict = {}

    def derived(self, name: str) -> tuple:
        """(value, missing facts) of a derived fact, computed once per evaluation."""
        cached = self.derived_cache.get(name)
        if cached is None:
            from bonnefoi.rules.derived import DERIVED

            cached = self.derived_cache[name] = DERIVED[name].compute(self)
        return cached


@dataclass(frozen=True, slots=True)
class Expression:
    evaluate: Callable[[Context], bool | None]
    missing: Callable[[Context], list[str]]
    facts: tuple[str, ...]  # every fact the expression reads, in reading order
    text: str  # a readable form for the rules documentation


class RuleDataError(ValueError):
    """The rule data is malformed (caught by the tests, never at run time in production)."""


def compile_expression(spec: Mapping) -> Expression:
    if not isinstance(spec, Mapping) or not spec:
        raise RuleDataError(f"Expression invalide : {spec!r}")
    if "all" in spec or "any" in spec:
        return _compile_junction(spec)
    if "not" in spec:
        return _compile_not(spec["not"])
    if "const" in spec:
        value = spec["const"]
        return Expression(lambda ctx: value, lambda ctx: [], (), "vrai" if value else "faux")
    return _compile_leaf(spec)


def _compile_leaf(spec: Mapping) -> Expression:
    name = spec.get("fact")
    ops = [key for key in spec if key != "fact"]
    if len(ops) != 1 or ops[0] not in _OPERATORS:
        raise RuleDataError(f"Une comparaison et une seule est attendue : {spec!r}")
    op_name = ops[0]
    operand = spec[op_name]
    if op_name in {"in", "not_in"}:
        operand = frozenset(operand)
    compare = _OPERATORS[op_name]
    if isinstance(name, str) and name.startswith("derived."):
        from bonnefoi.rules.derived import DERIVED

        if name not in DERIVED:
            raise RuleDataError(f"Fait dérivé inconnu : {name}")
        inputs = (name, *DERIVED[name].inputs)

        def evaluate(ctx: Context):
            value = ctx.derived(name)[0]
            return None if value is None else compare(value, operand)

        def missing(ctx: Context) -> list[str]:
            value, derived_missing = ctx.derived(name)
            return list(derived_missing) if value is None else []

    elif name in _FACT_NAMES:
        get = operator.attrgetter(name)
        inputs = (name,)
        evaluate = _plain_leaf(get, op_name, operand, compare)

        def missing(ctx: Context) -> list[str]:
            return [name] if get(ctx.situation) is None else []

    else:
        raise RuleDataError(f"Fait inconnu dans une condition : {name!r}")
    shown = sorted(operand) if isinstance(operand, frozenset) else operand
    return Expression(evaluate, missing, inputs, f"{name} {op_name} {shown}")


def _plain_leaf(get: Callable, op_name: str, operand, compare: Callable) -> Callable:
    """A leaf on a given fact; the common operators are written out (no call to compare)."""
    if op_name == "eq":

        def evaluate(ctx: Context):
            value = get(ctx.situation)
            return None if value is None else value == operand

    elif op_name == "in":

        def evaluate(ctx: Context):
            value = get(ctx.situation)
            return None if value is None else value in operand

    elif op_name == "not_in":

        def evaluate(ctx: Context):
            value = get(ctx.situation)
            return None if value is None else value not in operand

    else:

        def evaluate(ctx: Context):
            value = get(ctx.situation)
            return None if value is None else compare(value, operand)

    return evaluate


def _compile_junction(spec: Mapping) -> Expression:
    kind = "all" if "all" in spec else "any"
    parts = tuple(compile_expression(part) for part in spec[kind])
    if len(spec) != 1 or not parts:
        raise RuleDataError(f"« {kind} » attend une liste non vide et rien d'autre : {spec!r}")
    evaluators = tuple(part.evaluate for part in parts)
    decisive = kind == "any"  # the value that settles the junction: True for any, False for all

    def evaluate(ctx: Context):
        unknown = False
        for part in evaluators:
            value = part(ctx)
            if value is decisive:
                return decisive
            if value is None:
                unknown = True
        return None if unknown else not decisive

    def missing(ctx: Context) -> list[str]:
        if evaluate(ctx) is not None:
            return []
        found: list[str] = []
        for part in parts:
            if part.evaluate(ctx) is None:
                found.extend(fact for fact in part.missing(ctx) if fact not in found)
        return found

    facts = tuple(dict.fromkeys(fact for part in parts for fact in part.facts))
    joiner = " et " if kind == "all" else " ou "
    return Expression(evaluate, missing, facts, "(" + joiner.join(p.text for p in parts) + ")")


def _compile_not(spec: Mapping) -> Expression:
    inner = compile_expression(spec)
    inner_evaluate = inner.evaluate

    def evaluate(ctx: Context):
        value = inner_evaluate(ctx)
        return None if value is None else not value

    return Expression(evaluate, inner.missing, inner.facts, f"non {inner.text}")
