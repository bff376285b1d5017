"""Right-to-error engine (CRPA L123-1/L123-2 and sector regimes): pure Python, no Django.

decision = evaluate(parse_situation({"sector": "general", ...}))
decision.to_json()  # the JSON contract, with trace and explanations
"""

from bonnefoi.rules.catalogue import load_catalogue
from bonnefoi.rules.decision import Decision
from bonnefoi.rules.engine import evaluate
from bonnefoi.rules.situation import Situation, SituationError, parse_situation


def rules_catalogue() -> list[dict]:
    """Every rule with its versions, conditions and legal references (JSON-ready)."""
    from bonnefoi.rules.docs import rules_catalogue_json

    return rules_catalogue_json()


def rules_version() -> str:
    return load_catalogue().version


__all__ = [
    "Decision",
    "Situation",
    "SituationError",
    "evaluate",
    "load_catalogue",
    "parse_situation",
    "rules_catalogue",
    "rules_version",
]
