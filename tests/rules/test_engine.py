"""The engine's contract: validation, purity, rule data integrity, versions as data."""

import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from bonnefoi.rules import SituationError, evaluate, parse_situation, rules_catalogue
from bonnefoi.rules import catalogue as catalogue_module
from bonnefoi.rules.batch import evaluate_lines
from bonnefoi.rules.catalogue import load_catalogue

GRANTED_GENERAL = {
    "sector": "general",
    "error_kind": "material_error",
    "sanction_nature": "administrative_pecuniary",
    "exception_category": "none",
    "bad_faith_established": False,
    "fraud_established": False,
    "regularised": "spontaneously",
    "dates": {"regularisation": "2025-03-14"},
}


def test_engine_imports_no_django():
    """The engine is pure Python: importing and running it loads no Django module."""
    code = (
        "import sys, bonnefoi.rules as r;"
        f"r.evaluate(r.parse_situation({GRANTED_GENERAL!r})).to_json();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'}))"
    )
    out = subprocess.run(  # noqa: S603 (fixed arguments: this interpreter and our code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="."
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"sector": "impots"}, "sector", "Valeur inconnue"),
        ({"first_time": "oui"}, "first_time", "true ou false"),
        ({"dates": {"invitation": "14/03/2025"}}, "dates.invitation", "AAAA-MM-JJ"),
        ({"dates": {"invitation": "2025-02-30"}}, "dates.invitation", "AAAA-MM-JJ"),
        ({"dates": {"soon": "2025-02-01"}}, "dates.soon", "Champ inconnu"),
        ({"colour": "blue"}, "colour", "Champ inconnu"),
        ({"tax_shortfall_eur": "-3"}, "tax_shortfall_eur", "positif"),
        ({"tax_shortfall_eur": "12.345"}, "tax_shortfall_eur", "Deux décimales"),
        ({"tax_shortfall_eur": "NaN"}, "tax_shortfall_eur", "positif"),
        (
            {"regularising_payment_pct_of_initial": 150},
            "regularising_payment_pct_of_initial",
            "100",
        ),
        ({"days_late": -1}, "days_late", "entier positif"),
        ({"days_late": True}, "days_late", "entier positif"),
        ({"location": {"department": "99"}}, "location.department", "département"),
        ({"location": "57"}, "location", "objet JSON"),
        ({"deadline_rule": "30 jours"}, "deadline_rule", "P30D"),
        (
            {"first_time": True, "previous_error_same_rule": True},
            "previous_error_same_rule",
            "Contradiction",
        ),
        (
            {"dates": {"invitation": "2025-03-10", "deadline_stated": "2025-03-01"}},
            "dates.deadline_stated",
            "précède",
        ),
        (
            {"dates": {"deadline": "2025-03-10", "deadline_stated": "2025-03-11"}},
            "dates.deadline",
            "différentes",
        ),
        (
            {"dates": {"error": "2025-03-10", "regularisation": "2025-03-01"}},
            "dates.regularisation",
            "précéder",
        ),
    ],
)
def test_bad_input_gets_a_french_message_on_its_field(data, field, words):
    """Each invalid fact is reported on its own dotted field name with a French message."""
    with pytest.raises(SituationError) as caught:
        parse_situation(data)
    assert field in caught.value.errors
    assert words in " ".join(caught.value.errors[field])


def test_all_errors_are_reported_at_once():
    """Validation reports every bad field, not only the first (nothing typed is lost)."""
    with pytest.raises(SituationError) as caught:
        parse_situation({"sector": "x", "error_kind": "y", "dates": {"error": "z"}})
    assert set(caught.value.errors) == {"sector", "error_kind", "dates.error"}


def test_non_object_input_is_refused():
    """A JSON list or string is not a situation."""
    for data in ([], "general", 3, None):
        with pytest.raises(SituationError):
            parse_situation(data)


def test_first_time_and_previous_error_fill_each_other():
    """`previous_error_same_rule` is the negation of `first_time`: either one is enough."""
    assert parse_situation({"previous_error_same_rule": True}).first_time is False
    assert parse_situation({"first_time": True}).previous_error_same_rule is False


def test_money_is_decimal_and_floats_keep_their_written_value():
    """Amounts become Decimal; a JSON float 1234.56 stays 1234.56 (no binary noise)."""
    situation = parse_situation({"tax_shortfall_eur": 1234.56, "overpayment_eur": "10"})
    assert situation.tax_shortfall_eur == Decimal("1234.56")
    assert situation.overpayment_eur == Decimal("10")


def test_decision_json_is_serialisable_and_complete():
    """The full JSON form carries every field of the contract and is valid JSON."""
    decision = evaluate(parse_situation(GRANTED_GENERAL)).to_json()
    for key in (
        "right_to_error_applies",
        "sanction",
        "regime",
        "articles",
        "principal_still_due",
        "interest",
        "effective_deadline",
        "missing_facts",
        "flags",
        "trace",
        "explanation",
        "rules_version",
    ):
        assert key in decision
    assert set(decision["explanation"]) == {"public", "agent"}
    json.dumps(decision)
    assert decision["right_to_error_applies"] is True
    assert decision["sanction"] == "waived"


def test_every_condition_reference_and_flag_of_the_data_is_used():
    """The rule data has no dead entries: each condition, legal reference and flag is used."""
    catalogue = load_catalogue()
    versions = [v for rule in catalogue.rules.values() for v in rule.versions]
    used_conditions = {c.id for v in versions for c in v.conditions}
    assert used_conditions == set(catalogue.conditions)
    used_refs = {r for v in versions for r in v.references} | {
        r for c in catalogue.conditions.values() for r in c.references
    }
    assert used_refs == set(catalogue.references)
    engine_flags = {f.id for f in catalogue.flags.values() if f.when is None}
    used_flags = {f.id for v in versions for f in v.flags} | engine_flags
    assert used_flags == set(catalogue.flags)


def test_every_reference_says_where_it_comes_from():
    """Law as data: each reference has a code, an article and a URL; unverified ones say why."""
    for ref in load_catalogue().references.values():
        assert ref.code
        assert ref.article
        assert ref.url.startswith("http")
        if ref.unverified:
            assert ref.note


def test_rules_catalogue_lists_every_version_with_dates_and_references():
    """The published catalogue exposes every version's validity dates and references."""
    rules = {rule["id"]: rule for rule in rules_catalogue()}
    assert set(rules) == set(load_catalogue().rules)
    essoc = rules["crpa-l123-1"]["versions"][-1]
    assert essoc["valid_from"] == "2018-08-12"
    assert essoc["references"][0]["article"] == "L123-1"


def test_a_new_rule_version_is_a_data_change(tmp_path, monkeypatch):
    """Adding a dated version in the TOML data changes decisions from its date on, with no code
    change: here a hypothetical 2030 version of CGI 1727 V with a 60 % reduction."""
    for name in catalogue_module._DATA_FILES:
        shutil.copy(catalogue_module.DATA_DIR / name, tmp_path / name)
    rules = (tmp_path / "rules.toml").read_text()
    rules = rules.replace(
        'id = "cgi-1727-v@2018-08-11"\nvalid_from = 2018-08-11',
        'id = "cgi-1727-v@2018-08-11"\nvalid_from = 2018-08-11\nvalid_to = 2029-12-31',
    )
    rules += (
        '\n[[rule.cgi-1727-v.version]]\nid = "cgi-1727-v@2030-01-01"\nvalid_from = 2030-01-01\n'
        'label = "Version fictive de test"\nreferences = ["cgi-1727-v"]\n'
        'parameters = { base_monthly_rate_pct = "0.20", reduction_pct = "60" }\n'
        'conditions = ["tax_spontaneous"]\n'
    )
    (tmp_path / "rules.toml").write_text(rules)
    monkeypatch.setattr(catalogue_module, "DATA_DIR", tmp_path)
    load_catalogue.cache_clear()
    try:
        base = {
            "sector": "tax",
            "prior_administration_act": "none",
            "tax_shortfall_eur": "1000",
            "months_of_interest": 10,
        }
        later = evaluate(
            parse_situation({**base, "dates": {"rectifying_declaration": "2030-02-01"}})
        )
        assert later.rule_version == "cgi-1727-v@2030-01-01"
        assert later.interest.amount_eur == Decimal("8.00")
        earlier = evaluate(
            parse_situation({**base, "dates": {"rectifying_declaration": "2025-02-01"}})
        )
        assert earlier.rule_version == "cgi-1727-v@2018-08-11"
    finally:
        load_catalogue.cache_clear()


def test_the_version_is_chosen_by_the_legal_date_not_today():
    """The same facts give the same decision whatever today's date: only situation dates count."""
    first = evaluate(parse_situation(GRANTED_GENERAL)).summary()
    second = evaluate(parse_situation(GRANTED_GENERAL)).summary()
    assert first == second
    assert first["rule_version"] == "crpa-l123-1@2018-08-12"
    old = evaluate(parse_situation({**GRANTED_GENERAL, "dates": {"regularisation": "2018-08-11"}}))
    assert old.rule_version == "crpa-l123-1@avant-essoc"
    assert old.right_to_error_applies is False


def test_batch_reports_bad_rows_and_goes_on():
    """Batch mode: a malformed or invalid row gives an error line with its number; the others
    are evaluated; blank lines are skipped."""
    lines = [json.dumps(GRANTED_GENERAL), "{not json", "", json.dumps({"sector": "x"})]
    out = [json.loads(line) for line in evaluate_lines(lines)]
    assert [row["line"] for row in out] == [1, 2, 4]
    assert out[0]["right_to_error_applies"] is True
    assert "ligne" in out[1]["errors"]
    assert "sector" in out[2]["errors"]


def test_batch_csv_uses_dotted_columns_and_french_booleans():
    """CSV batch: dotted column names, empty cells unknown, oui/non accepted for booleans."""
    header = "sector,error_kind,sanction_nature,exception_category,bad_faith_established,"
    header += "fraud_established,regularised,dates.regularisation,first_time"
    row = "general,material_error,administrative_pecuniary,none,non,non,spontaneously,2025-03-14,"
    bad = "general,material_error,administrative_pecuniary,none,peut-être,non,spontaneously,,"
    out = [json.loads(line) for line in evaluate_lines([header, row, bad], fmt="csv")]
    assert out[0]["right_to_error_applies"] is True
    assert out[1]["line"] == 3
    assert "bad_faith_established" in out[1]["errors"]


def test_deadline_dates_computed_by_the_calendar():
    """With an invitation date and a rule, the engine computes the effective deadline itself,
    extended past local holidays (Moselle: 26 December)."""
    situation = {
        **GRANTED_GENERAL,
        "regularised": "after_invitation",
        "deadline_rule": "P1M",
        "dates": {"invitation": "2025-11-26", "regularisation": "2025-12-29"},
        "location": {"department": "57"},
    }
    decision = evaluate(parse_situation(situation))
    assert decision.effective_deadline == date(2025, 12, 29)
    assert decision.right_to_error_applies is True
    assert decision.deadline_extension


@pytest.mark.parametrize(
    "day", ["1990-01-01", "2016-01-01", "2018-08-11", "2018-08-12", "2019-12-31", "2031-01-01"]
)
@pytest.mark.parametrize("sector", sorted(load_catalogue().sectors))
def test_every_sector_answers_on_any_date(sector, day):
    """Each rule has a version (or a fallback rule) at every date: no date makes the engine
    fail, whatever the sector and the route (tax during an audit included)."""
    every_date = dict.fromkeys(
        ("error", "regularisation", "sanction_decision", "rectifying_declaration", "request"), day
    )
    for act, kind in (("none", "material_error"), ("demande_L10", "late_payment")):
        data = {
            "sector": sector,
            "error_kind": kind,
            "prior_administration_act": act,
            "dates": every_date,
        }
        decision = evaluate(parse_situation(data))
        assert decision.rule is not None
        decision.to_json()


def test_fast_constructors_set_every_field():
    """parse_situation and evaluate fill objects' fields directly (batch speed): every dataclass
    field must be set, no more, no less."""
    from dataclasses import fields

    from bonnefoi.rules import Decision, Situation
    from bonnefoi.rules.situation import Dates, Location

    situation = parse_situation(GRANTED_GENERAL)
    decision = evaluate(situation)
    for obj, cls in (
        (situation, Situation),
        (situation.dates, Dates),
        (situation.location, Location),
        (decision, Decision),
    ):
        assert set(vars(obj)) == {f.name for f in fields(cls)}


def test_the_batch_fast_path_equals_the_general_path():
    """Compact JSON Lines take a dedicated loop: it must give line for line what the general
    row loop gives, errors included."""
    from bonnefoi.rules import batch

    lines = [
        json.dumps(GRANTED_GENERAL),
        "  ",
        '{"sector": "tax"} trailing',
        "[1, 2]",
        json.dumps({"sector": "urssaf", "error_kind": "late_payment", "days_late": 12}),
        json.dumps({"sector": "nope"}),
        "\n",
        json.dumps({**GRANTED_GENERAL, "dates": {"regularisation": "2017-01-01"}}) + "\n",
    ]
    fast = list(batch.evaluate_lines(lines))
    general = list(batch._evaluate_rows(batch._jsonl_rows(lines), full=False))
    assert fast == general
    assert [json.loads(line)["line"] for line in fast] == [1, 3, 4, 5, 6, 8]


def test_every_derived_fact_has_its_french_label():
    """Derived facts are named in traces like given facts: each has a label in facts.toml."""
    from bonnefoi.rules.derived import DERIVED

    facts = load_catalogue().facts
    for name in DERIVED:
        assert facts[name].label
