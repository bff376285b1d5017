"""Evaluate a situation: route to the sector's rule, pick the version, run its conditions.

The flow (domain brief §9): sector -> rule (by route) -> version (by the date the law looks at)
-> conditions in order, three-valued; the first false condition is the reason for a refusal,
an unknown one makes the decision indeterminate unless a later condition is false.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bonnefoi.rules.catalogue import Catalogue, Rule, RuleVersion, load_catalogue
from bonnefoi.rules.decision import Decision, Interest, TraceStep
from bonnefoi.rules.logic import Context
from bonnefoi.rules.situation import GETTERS, Situation

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
ESSOC_IN_FORCE = date(2018, 8, 12)


@dataclass(slots=True)
class _RuleResult:
    rule: Rule
    version: RuleVersion | None
    value: bool | None
    steps: list[TraceStep]
    missing: list[str]
    flags: list[str]
    failed: str | None
    cited: tuple[str, ...] | None = None  # references of the trace, when known without it


def evaluate(situation: Situation) -> Decision:
    """The decision for one situation (pure: same situation, same decision)."""
    catalogue = load_catalogue()
    ctx = Context(situation)
    if situation.sector is None:
        return _decision(catalogue, ctx, None, [], ["sector"], [])
    sector = catalogue.sectors[situation.sector]
    routes = sector.routes
    if len(routes) == 1 and routes[0].when is None:  # most sectors: one rule, no choice
        result = _apply_rule(catalogue, catalogue.rules[routes[0].rule_id], ctx)
        return _decision(catalogue, ctx, result, result.steps, result.missing, result.flags)
    rule_id, route_missing, route_facts = None, [], []
    for route in routes:
        if route.when is None:
            rule_id = route.rule_id
            break
        route_facts.extend(route.when.facts)
        value = route.when.evaluate(ctx)
        if value:
            rule_id = route.rule_id
            break
        if value is None:
            route_missing.extend(f for f in route.when.missing(ctx) if f not in route_missing)
    if rule_id is None:
        steps = [
            TraceStep("route", f"Secteur : {sector.label}", None, ("sector", *route_facts), ())
        ]
        return _decision(catalogue, ctx, None, steps, route_missing or ["sector"], [])
    rule = catalogue.rules[rule_id]
    result = _apply_rule(catalogue, rule, ctx)
    result.steps.insert(0, (_render_route_step, sector, rule, route_facts))
    return _decision(catalogue, ctx, result, result.steps, result.missing, result.flags)


def _render_route_step(sector, rule: Rule, route_facts) -> TraceStep:
    return TraceStep(
        "route",
        f"Secteur : {sector.label} ; règle applicable : {rule.title}",
        True,
        ("sector", *dict.fromkeys(route_facts)),
        (),
    )


def _apply_rule(catalogue: Catalogue, rule: Rule, ctx: Context) -> _RuleResult:
    situation = ctx.situation
    fact = day = None
    for name in rule.selected_by:
        day = GETTERS[name](situation)
        if day is not None:
            fact = name
            break
    if day is not None:
        for version in rule.versions:
            if (version.valid_from is None or version.valid_from <= day) and (
                version.valid_to is None or day <= version.valid_to
            ):
                break
        else:
            return _before_first_version(catalogue, rule, ctx, fact, day)
        result = _apply_version(
            rule, version, ctx, (_render_version_step, rule, version, fact, day, None)
        )
        if rule.regime in _ESSOC_REGIMES:
            _straddle_flag(situation, result)
        return result
    # The date the law looks at is unknown: narrow by dates known to come before it.
    bounds = [d for d in (GETTERS[n](situation) for n in rule.lower_bounds) if d is not None]
    lower = max(bounds) if bounds else None
    candidates = [
        v for v in rule.versions if lower is None or v.valid_to is None or v.valid_to >= lower
    ]
    results = [_apply_version(rule, version, ctx) for version in candidates]
    first_from = rule.versions[0].valid_from
    if rule.before_first_version and (lower is None or (first_from and lower < first_from)):
        results.insert(0, _before_first_version(catalogue, rule, ctx, None, None))
    values = {(r.value, r.rule.id) for r in results}
    latest = results[-1]
    if len(results) == 1 or (len(values) == 1 and latest.value is not None):
        note = None
        if len(results) > 1:
            note = "Date inconnue : toutes les versions possibles donnent la même réponse."
        latest.steps.insert(0, _version_step(rule, latest.version, None, None, note))
        return latest
    asked = [n for n in (rule.ask or rule.selected_by) if situation.get(n) is None]
    # Facts of the conditions first, then the date that picks the version: people are asked
    # "have you corrected it?" before "when?".
    missing = list(dict.fromkeys([*(m for r in results for m in r.missing), *asked]))
    cited = tuple(dict.fromkeys(ref for v in candidates for ref in v.references))
    step = TraceStep(
        "version",
        f"Version de la règle « {rule.title} » : dépend de la {rule.date_label}, inconnue",
        None,
        (*rule.selected_by, *rule.lower_bounds),
        cited,
    )
    missing = missing or list(rule.selected_by)
    return _RuleResult(rule, None, None, [step], missing, [], None, cited)


def _before_first_version(catalogue, rule, ctx, fact, day) -> _RuleResult:
    """No version of a sector rule at that date: the general rule named by the data applies."""
    fallback = catalogue.rules[rule.before_first_version]
    result = _apply_rule(catalogue, fallback, ctx)
    first = rule.versions[0]
    result.steps.insert(0, (_render_not_in_force_step, rule, first, fact, day))
    result.flags.append("sector_rule_not_in_force")
    if result.cited is not None:
        result.cited = tuple(dict.fromkeys((*first.references, *result.cited)))
    return result


def _render_not_in_force_step(rule: Rule, first: RuleVersion, fact, day) -> TraceStep:
    when = f" le {day.strftime('%d/%m/%Y')}" if day else ""
    return TraceStep(
        f"version:{rule.id}",
        f"{rule.title} : pas encore en vigueur{when} (à partir du "
        f"{first.valid_from.strftime('%d/%m/%Y')}) ; le régime général s'applique",
        False,
        (fact,) if fact else (),
        first.references,
    )


def _version_step(rule: Rule, version: RuleVersion, fact, day, note=None) -> tuple:
    """A version-choice step, rendered only when the trace is read (batch mode never reads it)."""
    return (_render_version_step, rule, version, fact, day, note)


def _render_version_step(rule: Rule, version: RuleVersion, fact, day, note) -> TraceStep:
    chosen = ""
    if day is not None:
        chosen = f" choisie d'après la {rule.date_label} ({day.strftime('%d/%m/%Y')})"
    return TraceStep(
        f"version:{version.id}",
        f"{rule.title} — version « {version.label} »{chosen}",
        True,
        (fact,) if fact else (),
        version.references,
        note,
    )


_ESSOC_REGIMES = frozenset({"general", "dgccrf"})


def _straddle_flag(situation: Situation, result: _RuleResult) -> None:
    regularisation, decision = situation.dates.regularisation, situation.dates.sanction_decision
    if regularisation and decision and regularisation < ESSOC_IN_FORCE <= decision:
        result.flags.append("straddles_essoc_entry_into_force")


def _apply_version(rule: Rule, version: RuleVersion, ctx: Context, first_step=None) -> _RuleResult:
    steps = [] if first_step is None else [first_step]
    missing = []
    value, failed = True, None
    append = steps.append
    for condition, check in version.checks:
        outcome = check(ctx)
        append((condition, outcome))
        if outcome is False:
            value, failed = False, condition.id
            break
        if outcome is None:
            value = None
            missing.extend(m for m in condition.test.missing(ctx) if m not in missing)
    if value is False:
        missing = []
    flags = []
    for flag_id, granted_only, when in version.flag_checks:
        if granted_only and value is not True:
            continue
        if when(ctx):
            flags.append(flag_id)
    cited = version.article_prefixes[len(steps) - (first_step is not None)]
    return _RuleResult(rule, version, value, steps, missing, flags, failed, cited)


_NOTE_FLAGS = ("invitation_without_deadline", "timeliness_recomputed", "deadline_zone_unknown")


def _decision(
    catalogue, ctx: Context, result: _RuleResult | None, steps, missing, flags
) -> Decision:
    situation = ctx.situation
    if result is None:
        rule = version = value = None
    else:
        rule, version, value = result.rule, result.version, result.value
    if value is None:
        applies = sanction = None
    else:
        outcome = rule.granted if value else rule.refused
        applies, sanction = outcome.right_to_error_applies, outcome.sanction
    computed = None
    notes = ctx.notes
    if notes:
        flags = [*flags, *(note for note in _NOTE_FLAGS if notes.get(note) and note not in flags)]
        computed = notes.get("deadline")
    interest, missing_amounts, principal = None, (), situation.overpayment_eur
    if rule is not None and rule.computes_interest:
        interest, missing_amounts = _interest(situation, version, value)
        if situation.tax_shortfall_eur is not None:
            principal = situation.tax_shortfall_eur
    decision = object.__new__(Decision)  # every field set below (batch hot path)
    decision.__dict__ = {
        "right_to_error_applies": applies,
        "sanction": sanction,
        "regime": rule.regime if rule else None,
        "rule": rule.id if rule else None,
        "rule_version": version.id if version else None,
        "principal_still_due": True,
        "principal_amount_eur": principal,
        "interest": interest,
        "effective_deadline": computed[0] if computed else None,
        "deadline_extension": computed[1] if computed else (),
        "missing_facts": tuple(missing) if value is None else (),
        "missing_for_amounts": missing_amounts,
        "flags": tuple(flags),
        "rules_version": catalogue.version,
        "steps": tuple(steps),
        "situation": situation,
        "failed_condition": result.failed if result else None,
        "derived": ctx.derived_cache,
        "cited": result.cited if result else None,
    }
    return decision


def _interest(situation: Situation, version: RuleVersion | None, value) -> tuple:
    if version is None or value is None:
        return Interest(None, None, None), ()
    base = version.parameters["base_monthly_rate_pct"]
    reduction = version.parameters["reduction_pct"] if value else Decimal(0)
    keep = (_HUNDRED - reduction) / _HUNDRED
    rate = (base * keep).quantize(_CENT)
    shortfall, months = situation.tax_shortfall_eur, situation.months_of_interest
    missing = tuple(
        name
        for name, known in (("tax_shortfall_eur", shortfall), ("months_of_interest", months))
        if known is None
    )
    amount = None
    if not missing:
        amount = (shortfall * base / _HUNDRED * months * keep).quantize(_CENT, ROUND_HALF_UP)
    return Interest(rate, reduction, amount), missing
