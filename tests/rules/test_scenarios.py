"""Scenario tests of the right-to-error engine, read from ``tests/rules/scenarios/*.yaml``.

Each scenario is a situation (the JSON contract of issue 3) and the parts of the decision it
expects, with the legal source it was written from (domain brief §1-3 and §9). Only the keys
given under ``expect`` are checked, so a scenario states exactly what it is about.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bonnefoi.rules import evaluate, parse_situation

SCENARIO_DIR = Path(__file__).parent / "scenarios"
REQUIRED_FILES = {
    "general.yaml",
    "dgccrf.yaml",
    "tax.yaml",
    "urssaf.yaml",
    "caf.yaml",
    "france_travail.yaml",
    "customs.yaml",
    "deadlines.yaml",
    "indeterminate.yaml",
    "versions.yaml",
}
SCENARIO_KEYS = {"id", "title", "source", "situation", "expect"}
EXACT_KEYS = {
    "right_to_error_applies",
    "sanction",
    "regime",
    "effective_deadline",
    "principal_still_due",
    "rule_version",
}
SUBSET_KEYS = {"missing_facts", "missing_for_amounts"}
EXPECT_KEYS = EXACT_KEYS | SUBSET_KEYS | {"flags", "flags_absent", "interest", "articles_include"}
KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE = re.compile(r"https?://|§\s*\d")


def _load_scenarios() -> list[dict]:
    scenarios = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        assert isinstance(data, list), f"{path.name}: a YAML list of scenarios is expected"
        for case in data:
            assert isinstance(case, dict), f"{path.name}: each scenario must be a mapping"
            scenarios.append({**case, "_file": path.name})
    return scenarios


SCENARIOS = _load_scenarios()


def _mismatches(expect: dict, actual: dict) -> list[str]:
    """Every difference between the expected keys and the decision's JSON form."""
    errors = []
    for key, expected in expect.items():
        if key in EXACT_KEYS:
            if actual.get(key) != expected:
                errors.append(f"{key}: expected {expected!r}, got {actual.get(key)!r}")
        elif key in SUBSET_KEYS:
            got = actual.get(key) or []
            if expected == [] and got:
                errors.append(f"{key}: expected none, got {got!r}")
            elif not set(expected) <= set(got):
                errors.append(f"{key}: expected at least {expected!r}, got {got!r}")
        elif key == "flags":
            absent = [flag for flag in expected if flag not in (actual.get("flags") or [])]
            if absent:
                errors.append(f"flags: {absent!r} missing from {actual.get('flags')!r}")
        elif key == "flags_absent":
            present = [flag for flag in expected if flag in (actual.get("flags") or [])]
            if present:
                errors.append(f"flags: {present!r} must not be raised")
        elif key == "interest":
            interest = actual.get("interest") or {}
            for name, value in expected.items():
                got = interest.get(name)
                if value is None or got is None:
                    ok = value is None and got is None
                else:
                    ok = Decimal(str(got)) == Decimal(str(value))
                if not ok:
                    errors.append(f"interest.{name}: expected {value!r}, got {got!r}")
        elif key == "articles_include":
            articles = actual.get("articles") or []
            for wanted in expected:
                if not any(
                    wanted in str(article.get("article") or "")
                    or wanted in str(article.get("id") or "")
                    for article in articles
                ):
                    cited = [(a.get("id"), a.get("article")) for a in articles]
                    errors.append(f"articles: {wanted!r} not cited in {cited!r}")
        else:
            errors.append(f"unknown expect key {key!r}")
    return errors


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in SCENARIOS])
def test_scenario(case):
    """The engine's decision for the scenario's situation has every expected value.

    Exact: right_to_error_applies, sanction, regime, effective_deadline, principal_still_due.
    missing_facts (and missing_for_amounts): the expected names are among the actual ones, and
    ``[]`` means none at all. flags: each expected flag is raised; flags_absent: none of them is.
    interest: each given sub-key equals the actual one as a Decimal (null must be null).
    articles_include: each string is part of the "article" or "id" of some cited reference.
    """
    decision = evaluate(parse_situation(case["situation"])).to_json()
    errors = _mismatches(case["expect"], decision)
    assert not errors, f"{case['_file']} / {case['id']}:\n  " + "\n  ".join(errors)


def test_scenario_files_are_complete_and_well_formed():
    """At least 80 scenarios, spread over every regime file, with unique kebab-case ids.

    Every scenario has exactly the keys id, title, source, situation, expect; a one-line title;
    a non-empty source citing a URL or a brief section; a non-empty situation mapping; and only
    known keys under expect.
    """
    assert len(SCENARIOS) >= 80, f"only {len(SCENARIOS)} scenarios"
    files = {case["_file"] for case in SCENARIOS}
    assert files >= REQUIRED_FILES, f"missing scenario files: {sorted(REQUIRED_FILES - files)}"
    ids = [case.get("id") for case in SCENARIOS]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate scenario ids: {duplicates}"
    for case in SCENARIOS:
        where = f"{case['_file']} / {case.get('id')}"
        assert set(case) - {"_file"} == SCENARIO_KEYS, f"{where}: keys {sorted(case)}"
        assert KEBAB_CASE.match(str(case["id"])), f"{where}: id is not kebab-case"
        title = case["title"]
        assert isinstance(title, str), f"{where}: title must be a string"
        assert title.strip(), f"{where}: empty title"
        assert "\n" not in title.strip(), f"{where}: title must be one line"
        source = case["source"]
        assert isinstance(source, str), f"{where}: source must be a string"
        assert source.strip(), f"{where}: empty source"
        assert SOURCE.search(source), f"{where}: source cites neither a URL nor a brief section"
        assert isinstance(case["situation"], dict), f"{where}: situation must be a mapping"
        assert case["situation"], f"{where}: empty situation"
        assert isinstance(case["expect"], dict), f"{where}: expect must be a mapping"
        assert case["expect"], f"{where}: empty expect"
        unknown = set(case["expect"]) - EXPECT_KEYS
        assert not unknown, f"{where}: unknown expect keys {sorted(unknown)}"


def test_scenarios_cover_the_issue():
    """Every sector, error kind, sanction nature, exception category, regularisation value and
    deadline rule form of the JSON contract appears in at least one scenario, and at least 12
    scenarios are indeterminate (right_to_error_applies expected null)."""
    used: dict[str, set] = {}
    for case in SCENARIOS:
        situation = case["situation"]
        for field in ("sector", "error_kind", "sanction_nature", "exception_category"):
            used.setdefault(field, set()).add(situation.get(field))
        used.setdefault("regularised", set()).add(situation.get("regularised"))
        rule = situation.get("deadline_rule")
        used.setdefault("deadline_rule", set()).add(
            re.sub(r"^P\d+([DM])$", r"Pn\1", rule) if isinstance(rule, str) else rule
        )
    wanted = {
        "sector": {
            "general",
            "tax",
            "urssaf",
            "caf",
            "cnav",
            "france_travail",
            "customs",
            "dgccrf",
            "departement",
            "commune",
            "cpam",
        },
        "error_kind": {
            "material_error",
            "misreading_rule",
            "missing_declaration",
            "late_declaration",
            "late_payment",
            "omitted_employee",
            "deliberate_concealment",
        },
        "sanction_nature": {
            "administrative_pecuniary",
            "benefit_withdrawal",
            "penal",
            "civil",
            "contractual",
        },
        "exception_category": {
            "none",
            "eu_law",
            "public_health_safety_environment",
            "contract",
            "regulator_professionals",
            "international_convention",
        },
        "regularised": {
            "spontaneously",
            "after_invitation",
            "after_invitation_within_deadline",
            "after_invitation_after_deadline",
            "not_regularised",
        },
        "deadline_rule": {"PnD", "PnM", "next_declaration", "none"},
    }
    for field, values in wanted.items():
        missing = values - used[field]
        assert not missing, f"no scenario with {field} in {sorted(missing)}"
    indeterminate = [c for c in SCENARIOS if "right_to_error_applies" in c["expect"]]
    indeterminate = [c for c in indeterminate if c["expect"]["right_to_error_applies"] is None]
    assert len(indeterminate) >= 12, f"only {len(indeterminate)} indeterminate scenarios"
