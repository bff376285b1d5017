"""Properties that must hold for every situation, checked on generated ones (hypothesis)."""

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonnefoi.rules import evaluate, load_catalogue, parse_situation
from bonnefoi.rules.enums import (
    DutyKind,
    ErrorKind,
    ExceptionCategory,
    Payment,
    PriorAdministrationAct,
    Regularisation,
    SanctionNature,
    SanctionOutcome,
    Sector,
)
from bonnefoi.rules.logic import Context

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
L123_1_EXCEPTIONS = [
    ExceptionCategory.EU_LAW,
    ExceptionCategory.PUBLIC_HEALTH_SAFETY_ENVIRONMENT,
    ExceptionCategory.CONTRACT,
    ExceptionCategory.REGULATOR_PROFESSIONALS,
]
DATE_FACTS = (
    "error",
    "invitation",
    "deadline_stated",
    "regularisation",
    "sanction_decision",
    "rectifying_declaration",
    "request",
    "complementary_declaration",
)


def _values(enum):
    return st.sampled_from([member.value for member in enum])


_days = st.dates(min_value=date(2016, 1, 1), max_value=date(2027, 12, 31)).map(date.isoformat)
_flag = st.booleans()
_FACTS = {
    "sector": _values(Sector),
    "error_kind": _values(ErrorKind),
    "sanction_nature": _values(SanctionNature),
    "first_time": _flag,
    "regularised": _values(Regularisation),
    "bad_faith_established": _flag,
    "fraud_established": _flag,
    "gross_negligence_established": _flag,
    "exception_category": _values(ExceptionCategory),
    "deadline_rule": st.sampled_from(["P15D", "P30D", "P1M", "P2M", "none", "next_declaration"]),
    "initial_declaration_on_time": _flag,
    "initial_payment_on_time": _flag,
    "prior_administration_act": _values(PriorAdministrationAct),
    "proposition_de_rectification_received": _flag,
    "days_from_receipt_to_request": st.integers(0, 90),
    "days_from_request_to_complementary_declaration": st.integers(0, 90),
    "payment": _values(Payment),
    "tax_shortfall_eur": st.decimals(min_value=0, max_value=10**6, places=2).map(str),
    "months_of_interest": st.integers(0, 120),
    "corrected_at_first_following_deadline": _flag,
    "complement_paid_same_deadline": _flag,
    "corrected_at_nearest_deadline_after_discovery": _flag,
    "regularising_payment_pct_of_initial": st.decimals(min_value=0, max_value=100, places=2).map(
        str
    ),
    "majorations_below_pmss": _flag,
    "omitted_employee": _flag,
    "repeated_pay_inaccuracies": _flag,
    "declarations_on_time": _flag,
    "days_late": st.integers(0, 120),
    "payment_plan_within_30_days": _flag,
    "late_payment_in_previous_24_months": _flag,
    "overpayment_eur": st.decimals(min_value=0, max_value=10**5, places=2).map(str),
    "very_short_activity": _flag,
    "duty_kind": _values(DutyKind),
    "declaration_on_time": _flag,
    "payment_of_duties_and_interest": _flag,
}


@st.composite
def situations(draw, **fixed):
    """A valid situation: a random subset of facts, each with a random valid value."""
    data = {}
    for name, strategy in _FACTS.items():
        if name in fixed:
            data[name] = fixed[name]
        elif draw(st.booleans()):
            data[name] = draw(strategy)
    dates = {name: draw(_days) for name in DATE_FACTS if draw(st.booleans())}
    # Keep the dates coherent, as parse_situation demands.
    if "error" in dates and "regularisation" in dates and dates["regularisation"] < dates["error"]:
        dates["regularisation"] = dates["error"]
    if "invitation" in dates and dates.get("deadline_stated", "9") < dates["invitation"]:
        dates["deadline_stated"] = dates["invitation"]
    if "request" in dates and dates.get("complementary_declaration", "9") < dates["request"]:
        dates["complementary_declaration"] = dates["request"]
    if dates:
        data["dates"] = dates
    if draw(st.booleans()):
        data["location"] = {"department": draw(st.sampled_from(["75", "57", "973", "974", "2A"]))}
    return data


@SETTINGS
@given(situations(bad_faith_established=True) | situations(fraud_established=True))
def test_bad_faith_or_fraud_established_never_waives_the_sanction(data):
    """Bad faith or fraud established by the administration: no sector waives or reduces the
    sanction (CRPA L123-1 al. 2, L123-2)."""
    decision = evaluate(parse_situation(data))
    assert decision.sanction not in {SanctionOutcome.WAIVED, SanctionOutcome.REDUCED}
    assert decision.right_to_error_applies is not True


@SETTINGS
@given(st.sampled_from(L123_1_EXCEPTIONS).flatmap(lambda e: situations(exception_category=e.value)))
def test_an_l123_1_exception_never_grants(data):
    """One of the four exceptions of L123-1 al. 3: the right to error is never granted."""
    decision = evaluate(parse_situation(data))
    assert decision.right_to_error_applies is not True


@SETTINGS
@given(situations())
def test_indeterminate_exactly_when_facts_are_missing(data):
    """A decision is null (applies and sanction) when facts are missing, and it says which; a
    determinate decision lists no missing fact. The one other null is an invitation without a
    deadline, which a person must judge."""
    decision = evaluate(parse_situation(data))
    if decision.missing_facts:
        assert decision.right_to_error_applies is None
        assert decision.sanction is None
    if decision.right_to_error_applies is None:
        assert decision.sanction is None
        assert decision.missing_facts or "invitation_without_deadline" in decision.flags
    else:
        assert decision.missing_facts == ()


@SETTINGS
@given(situations(), st.data())
def test_removing_a_fact_never_flips_a_determinate_answer(data, pick):
    """Three-valued logic: forgetting a (non-date) fact can leave the answer unchanged or make it
    null, listing what is missing, but never turns a yes into a no or a no into a yes. So a
    missing fact never defaults to "eligible" or to "not eligible"."""
    before = evaluate(parse_situation(data))
    removable = [name for name in data if name not in {"dates", "location"}]
    if before.right_to_error_applies is None or not removable:
        return
    name = pick.draw(st.sampled_from(removable))
    after = evaluate(parse_situation({k: v for k, v in data.items() if k != name}))
    if after.right_to_error_applies is None:
        assert after.missing_facts or "invitation_without_deadline" in after.flags
    else:
        assert after.right_to_error_applies == before.right_to_error_applies
        assert after.sanction == before.sanction


@SETTINGS
@given(situations())
def test_the_trace_names_exactly_the_articles_listed(data):
    """Every legal reference in `articles` is cited by a step of the trace, and every reference a
    step cites is in `articles`; the full JSON carries one article object per reference."""
    decision = evaluate(parse_situation(data))
    cited = {ref for step in decision.trace for ref in step.references}
    assert set(decision.articles) == cited
    as_json = decision.to_json()
    assert [a["id"] for a in as_json["articles"]] == list(decision.articles)
    assert all(a["url"].startswith("http") for a in as_json["articles"])


@SETTINGS
@given(situations())
def test_situation_json_round_trip(data):
    """A situation's JSON form parses back to the same situation and the same decision."""
    situation = parse_situation(data)
    again = parse_situation(situation.to_json())
    assert again == situation
    assert evaluate(again).summary() == evaluate(situation).summary()


@SETTINGS
@given(situations(), st.integers(1, 10**9))
def test_the_fast_batch_line_is_the_compact_json(data, line):
    """Batch mode writes the compact decision by hand for speed: it must parse to exactly
    ``summary()`` plus the line number."""
    decision = evaluate(parse_situation(data))
    assert json.loads(decision.summary_json(line)) == {**decision.summary(), "line": line}
    assert json.loads(decision.summary_json()) == decision.summary()


@SETTINGS
@given(situations())
def test_generated_evaluators_agree_with_the_reference_closures(data):
    """Each condition, flag and route is evaluated by generated Python code (speed); the
    node-by-node closures are the reference: both must give the same three-valued answer."""
    catalogue = load_catalogue()
    ctx = Context(parse_situation(data))
    expressions = [c.test for c in catalogue.conditions.values()]
    expressions += [f.when for f in catalogue.flags.values() if f.when is not None]
    expressions += [r.when for s in catalogue.sectors.values() for r in s.routes if r.when]
    for expression in expressions:
        assert expression.evaluate(ctx) is expression.reference(ctx), expression.text
