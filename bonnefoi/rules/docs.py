"""The rule data as JSON, for the API and the generated rules documentation."""

from bonnefoi.rules.catalogue import Rule, load_catalogue


def _day(value):
    return value.isoformat() if value else None


def _rule_json(rule: Rule, catalogue) -> dict:
    return {
        "id": rule.id,
        "regime": rule.regime,
        "title": rule.title,
        "version_chosen_by": {"facts": list(rule.selected_by), "label": rule.date_label},
        "when_granted": {
            "right_to_error_applies": rule.granted.right_to_error_applies,
            "sanction": rule.granted.sanction.value,
            "public_text": rule.public_granted,
        },
        "when_refused": {
            "right_to_error_applies": rule.refused.right_to_error_applies,
            "sanction": rule.refused.sanction.value,
            "public_text": rule.public_refused,
        },
        "before_first_version": rule.before_first_version,
        "versions": [
            {
                "id": version.id,
                "label": version.label,
                "valid_from": _day(version.valid_from),
                "valid_to": _day(version.valid_to),
                "parameters": {k: str(v) for k, v in version.parameters.items()},
                "references": [catalogue.references[r].to_json() for r in version.references],
                "conditions": [
                    {
                        "id": condition.id,
                        "label": condition.label,
                        "test": condition.test.text,
                        "facts": list(condition.test.facts),
                        "if_false": condition.if_false,
                        "references": list(condition.references),
                    }
                    for condition in version.conditions
                ],
                "flags": [{"id": f.id, "message": f.message} for f in version.flags],
            }
            for version in rule.versions
        ],
    }


def rules_catalogue_json() -> list[dict]:
    """Every rule and version, with conditions and references, in the data's order."""
    catalogue = load_catalogue()
    return [_rule_json(rule, catalogue) for rule in catalogue.rules.values()]


def sectors_json() -> list[dict]:
    catalogue = load_catalogue()
    return [
        {
            "id": sector.id,
            "label": sector.label,
            "rules": [route.rule_id for route in sector.routes],
            "routes": [
                {
                    "rule": route.rule_id,
                    "when": route.label,
                    "test": route.when.text if route.when else None,
                }
                for route in sector.routes
            ],
            "principal": sector.principal,
        }
        for sector in catalogue.sectors.values()
    ]
