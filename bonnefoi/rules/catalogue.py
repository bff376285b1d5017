"""The rule data (data/*.toml) loaded once into immutable objects, with integrity checks.

Every cross-reference in the data (condition, legal reference, flag, rule, fact) is checked at
load time, so a typo in a rule file fails the first test that imports the engine.
"""

import hashlib
import itertools
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from bonnefoi.rules.decision import SAFE_ID
from bonnefoi.rules.enums import SanctionOutcome, Sector
from bonnefoi.rules.logic import Expression, RuleDataError, compile_expression
from bonnefoi.rules.situation import ENUM_VALUES, FIELD_KINDS, FIELD_NAMES

DATA_DIR = Path(__file__).parent / "data"
_DATA_FILES = ("references.toml", "conditions.toml", "rules.toml", "facts.toml")


@dataclass(frozen=True, slots=True)
class LegalReference:
    id: str
    code: str
    article: str
    url: str
    summary: str
    paragraph: str | None = None
    version_date: date | None = None
    unverified: bool = False
    note: str | None = None
    sources: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "article": self.article,
            "paragraph": self.paragraph,
            "version_date": self.version_date.isoformat() if self.version_date else None,
            "url": self.url,
            "unverified": self.unverified,
            "note": self.note,
            "summary": self.summary,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    label: str
    test: Expression
    references: tuple[str, ...]
    if_false: str


@dataclass(frozen=True, slots=True)
class Flag:
    id: str
    when: Expression | None  # None: raised by the engine itself (dates, versions)
    message: str
    on: str | None  # "granted" | "refused" | None (any outcome)


@dataclass(frozen=True, slots=True)
class Outcome:
    right_to_error_applies: bool
    sanction: SanctionOutcome


@dataclass(frozen=True, slots=True)
class RuleVersion:
    id: str
    rule_id: str
    label: str
    valid_from: date | None
    valid_to: date | None
    references: tuple[str, ...]
    conditions: tuple[Condition, ...]
    flags: tuple[Flag, ...]
    parameters: dict = field(hash=False)
    # article_prefixes[k]: references cited by the version step and its first k conditions
    # (precomputed: the batch path reads it instead of walking the trace).
    article_prefixes: tuple[tuple[str, ...], ...] = ()
    checks: tuple = ()  # (condition, its compiled test): what the engine loops over
    flag_checks: tuple = ()  # (flag id, raised only when granted, compiled test)

    def __post_init__(self):
        checks = tuple((c, c.test.evaluate) for c in self.conditions)
        object.__setattr__(self, "checks", checks)
        flag_checks = tuple((f.id, f.on == "granted", f.when.evaluate) for f in self.flags)
        object.__setattr__(self, "flag_checks", flag_checks)

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    regime: str
    title: str
    selected_by: tuple[str, ...]
    lower_bounds: tuple[str, ...]
    ask: tuple[str, ...]
    date_label: str
    granted: Outcome
    refused: Outcome
    public_granted: str
    public_refused: str
    versions: tuple[RuleVersion, ...]
    before_first_version: str | None
    computes_interest: bool


@dataclass(frozen=True, slots=True)
class Route:
    when: Expression | None
    rule_id: str
    label: str | None = None  # when the sector has several routes: which case, in French


@dataclass(frozen=True, slots=True)
class SectorRules:
    id: str
    label: str
    routes: tuple[Route, ...]
    principal: str


@dataclass(frozen=True, slots=True)
class FactInfo:
    """French wording of a fact: for missing-fact lists, traces and the public checker."""

    name: str
    label: str
    question: str
    help: str | None
    choices: dict[str, str]  # value -> French label (enums and booleans)


@dataclass(frozen=True, slots=True)
class Catalogue:
    references: dict[str, LegalReference]
    conditions: dict[str, Condition]
    flags: dict[str, Flag]
    rules: dict[str, Rule]
    sectors: dict[str, SectorRules]
    facts: dict[str, FactInfo]
    ruleset_date: date
    version: str


def _read(name: str) -> dict:
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


def _outcome(spec: dict) -> Outcome:
    return Outcome(spec["right_to_error_applies"], SanctionOutcome(spec["sanction"]))


def _require(ids, known: dict, what: str, where: str) -> None:
    unknown = [item for item in ids if item not in known]
    if unknown:
        raise RuleDataError(f"{where} : {what} inconnu(s) {unknown}")


@cache
def load_catalogue() -> Catalogue:
    raw_refs = _read("references.toml")
    references = {
        ref_id: LegalReference(id=ref_id, **{**spec, "sources": tuple(spec.get("sources", ()))})
        for ref_id, spec in raw_refs.items()
    }
    raw_conditions = _read("conditions.toml")
    conditions = {}
    for cond_id, spec in raw_conditions["condition"].items():
        _require(spec["references"], references, "référence", f"condition {cond_id}")
        conditions[cond_id] = Condition(
            id=cond_id,
            label=spec["label"],
            test=compile_expression(spec["test"]),
            references=tuple(spec["references"]),
            if_false=spec["if_false"],
        )
    flags = {
        flag_id: Flag(
            flag_id,
            compile_expression(spec["when"]) if "when" in spec else None,
            spec["message"],
            spec.get("on"),
        )
        for flag_id, spec in raw_conditions["flag"].items()
    }
    raw_rules = _read("rules.toml")
    rules = {
        rule_id: _rule(rule_id, spec, references, conditions, flags)
        for rule_id, spec in raw_rules["rule"].items()
    }
    for rule in rules.values():
        if rule.before_first_version:
            _require([rule.before_first_version], rules, "règle", f"règle {rule.id}")
    sectors = {}
    for sector_id, spec in raw_rules["sector"].items():
        Sector(sector_id)  # a sector in the data must exist in the JSON contract
        routes = tuple(
            Route(
                compile_expression(route["when"]) if "when" in route else None,
                route["rule"],
                route.get("label"),
            )
            for route in spec["routes"]
        )
        _require([route.rule_id for route in routes], rules, "règle", f"secteur {sector_id}")
        if len(routes) > 1 and not all(route.label for route in routes):
            raise RuleDataError(f"secteur {sector_id} : chaque orientation doit avoir un libellé")
        sectors[sector_id] = SectorRules(sector_id, spec["label"], routes, spec["principal"])
    missing_sectors = {s.value for s in Sector} - set(sectors)
    if missing_sectors:
        raise RuleDataError(f"Secteurs sans règles : {sorted(missing_sectors)}")
    facts = _facts(_read("facts.toml"))
    _check_identifiers(references, conditions, flags, rules, sectors)
    digest = hashlib.sha256()
    for name in _DATA_FILES:
        digest.update((DATA_DIR / name).read_bytes())
    ruleset_date = raw_rules["ruleset_date"]
    return Catalogue(
        references=references,
        conditions=conditions,
        flags=flags,
        rules=rules,
        sectors=sectors,
        facts=facts,
        ruleset_date=ruleset_date,
        version=f"{ruleset_date.isoformat()}+{digest.hexdigest()[:10]}",
    )


def _check_identifiers(*tables) -> None:
    """Ids end up unescaped in batch output (Decision.summary_json): keep them plain."""
    names = [key for table in tables for key in table]
    names += [v.id for rule in tables[3].values() for v in rule.versions]
    names += [rule.regime for rule in tables[3].values()]
    names += list(FIELD_NAMES)
    bad = [name for name in names if not SAFE_ID.match(name)]
    if bad:
        raise RuleDataError(f"Identifiants avec des caractères non admis : {bad}")


def _rule(rule_id: str, spec: dict, references: dict, conditions: dict, flags: dict) -> Rule:
    for name in (*spec["selected_by"], *spec["lower_bounds"], *spec["ask"]):
        if name not in FIELD_NAMES:
            raise RuleDataError(f"règle {rule_id} : fait inconnu {name}")
    versions = []
    for version_spec in spec["version"]:
        where = f"version {version_spec['id']}"
        _require(version_spec["references"], references, "référence", where)
        _require(version_spec["conditions"], conditions, "condition", where)
        _require(version_spec.get("flags", ()), flags, "signalement", where)
        version_conditions = tuple(conditions[c] for c in version_spec["conditions"])
        prefixes, cited = [], dict.fromkeys(version_spec["references"])
        prefixes.append(tuple(cited))
        for condition in version_conditions:
            cited.update(dict.fromkeys(condition.references))
            prefixes.append(tuple(cited))
        versions.append(
            RuleVersion(
                id=version_spec["id"],
                rule_id=rule_id,
                label=version_spec["label"],
                valid_from=version_spec.get("valid_from"),
                valid_to=version_spec.get("valid_to"),
                references=tuple(version_spec["references"]),
                conditions=version_conditions,
                flags=tuple(flags[f] for f in version_spec.get("flags", ())),
                parameters={k: Decimal(v) for k, v in version_spec.get("parameters", {}).items()},
                article_prefixes=tuple(prefixes),
            )
        )
    versions.sort(key=lambda v: v.valid_from or date.min)
    for earlier, later in itertools.pairwise(versions):
        if (
            earlier.valid_to is None
            or later.valid_from is None
            or earlier.valid_to >= later.valid_from
        ):
            raise RuleDataError(
                f"règle {rule_id} : versions {earlier.id} et {later.id} se chevauchent"
            )
    if versions[0].valid_from is not None and not spec.get("before_first_version"):
        raise RuleDataError(
            f"règle {rule_id} : aucune version avant le {versions[0].valid_from} "
            "et pas de règle de repli (before_first_version)"
        )
    return Rule(
        id=rule_id,
        regime=spec["regime"],
        title=spec["title"],
        selected_by=tuple(spec["selected_by"]),
        lower_bounds=tuple(spec["lower_bounds"]),
        ask=tuple(spec["ask"]),
        date_label=spec["date_label"],
        granted=_outcome(spec["granted"]),
        refused=_outcome(spec["refused"]),
        public_granted=spec["public_granted"],
        public_refused=spec["public_refused"],
        versions=tuple(versions),
        before_first_version=spec.get("before_first_version"),
        computes_interest=spec.get("interest", False),
    )


def _facts(raw: dict) -> dict[str, FactInfo]:
    facts = {}
    for name, spec in raw["fact"].items():
        if name not in FIELD_NAMES and not name.startswith("derived."):
            raise RuleDataError(f"facts.toml : fait inconnu {name}")
        facts[name] = FactInfo(
            name=name,
            label=spec["label"],
            question=spec.get("question", spec["label"]),
            help=spec.get("help"),
            choices=dict(spec.get("choices", {})),
        )
    undocumented = set(FIELD_NAMES) - set(facts)
    if undocumented:
        raise RuleDataError(f"facts.toml : faits sans libellé {sorted(undocumented)}")
    for name, values in ENUM_VALUES.items():
        if set(facts[name].choices) != set(values):
            raise RuleDataError(f"facts.toml : les choix de {name} diffèrent de ses valeurs")
    for name, kind in FIELD_KINDS.items():
        if kind == "boolean" and set(facts[name].choices) != {"true", "false"}:
            raise RuleDataError(f"facts.toml : {name} doit libeller true et false")
    return facts
