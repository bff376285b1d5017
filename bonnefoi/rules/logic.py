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

import itertools
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
    # The same logic as closures, one per node: the reference `evaluate` is checked against
    # (tests) and that `missing` walks.
    reference: Callable[[Context], bool | None] | None = None


class RuleDataError(ValueError):
    """The rule data is malformed (caught by the tests, never at run time in production)."""


def compile_expression(spec: Mapping) -> Expression:
    """Compile a rule expression: closures (reference and `missing`), plus one generated
    function that evaluates the whole expression without nested calls (the engine's hot path)."""
    expression = _compile(spec)
    return Expression(
        _generate(spec),
        expression.missing,
        expression.facts,
        expression.text,
        expression.evaluate,
    )


def _compile(spec: Mapping) -> Expression:
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
    parts = tuple(_compile(part) for part in spec[kind])
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
    inner = _compile(spec)
    inner_evaluate = inner.evaluate

    def evaluate(ctx: Context):
        value = inner_evaluate(ctx)
        return None if value is None else not value

    return Expression(evaluate, inner.missing, inner.facts, f"non {inner.text}")


_PYTHON_OPERATORS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "in": "in",
    "not_in": "not in",
}


def _generate(spec: Mapping) -> Callable[[Context], bool | None]:
    """Write the expression out as one Python function (Kleene logic, short-circuiting).

    Only called on a spec `_compile` accepted, so every fact name is a known identifier and
    every operator is in _PYTHON_OPERATORS; operands are passed as constants, never as code.
    """
    constants: dict = {}
    lines = ["def evaluate(ctx):", "    s = ctx.situation"]
    result = _emit(spec, lines, 1, constants, itertools.count())
    lines.append(f"    return {result}")
    namespace = dict(constants)
    exec("\n".join(lines), namespace)  # noqa: S102 (code built above from validated rule data)
    return namespace["evaluate"]


def _emit(spec: Mapping, lines: list[str], depth: int, constants: dict, counter) -> str:
    """Append the statements computing `spec`; return the variable holding its value."""
    pad = "    " * depth
    var = f"r{next(counter)}"
    if "all" in spec or "any" in spec:
        kind = "all" if "all" in spec else "any"
        decisive, other = ("False", "True") if kind == "all" else ("True", "False")
        lines.append(f"{pad}{var} = {other}")
        lines.append(f"{pad}while True:")
        for part in spec[kind]:
            sub = _emit(part, lines, depth + 1, constants, counter)
            lines.append(f"{pad}    if {sub} is {decisive}:")
            lines.append(f"{pad}        {var} = {decisive}")
            lines.append(f"{pad}        break")
            lines.append(f"{pad}    if {sub} is None:")
            lines.append(f"{pad}        {var} = None")
        lines.append(f"{pad}    break")
    elif "not" in spec:
        sub = _emit(spec["not"], lines, depth, constants, counter)
        lines.append(f"{pad}{var} = None if {sub} is None else not {sub}")
    elif "const" in spec:
        lines.append(f"{pad}{var} = {bool(spec['const'])!r}")
    else:
        name = spec["fact"]
        (op_name,) = (key for key in spec if key != "fact")
        operand = spec[op_name]
        constant = f"c_{var}"
        constants[constant] = frozenset(operand) if op_name in {"in", "not_in"} else operand
        if name.startswith("derived."):
            lines.append(f"{pad}v = ctx.derived({name!r})[0]")
        else:
            lines.append(f"{pad}v = s.{name}")
        test = f"v {_PYTHON_OPERATORS[op_name]} {constant}"
        lines.append(f"{pad}{var} = None if v is None else ({test})")
    return var
