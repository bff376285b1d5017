"""OpenAPI (drf-spectacular) schemas of the right-to-error API, generated from the rule data.

The situation schema lists every field of the JSON contract (bonnefoi.rules.situation.FIELD_KINDS)
with its French label from facts.toml: a field added to the engine shows up here by itself.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from bonnefoi.rules import evaluate, load_catalogue, parse_situation
from bonnefoi.rules.enums import SanctionOutcome
from bonnefoi.rules.situation import FIELD_KINDS

EVALUATE_DESCRIPTION = (
    "Reçoit une *situation* (les faits, tous facultatifs : un fait inconnu s'omet ou vaut null) "
    "et renvoie la *décision* du moteur : le droit à l'erreur s'applique-t-il (true, false, ou "
    "null quand il manque des faits, listés dans `missing_facts`), que devient la sanction, "
    "quelles règles et quels articles, ce qui reste dû, la trace de chaque condition examinée "
    "et une explication en français pour l'usager et pour l'agent. Accès libre, sans compte ; "
    "nombre de requêtes limité par adresse IP."
)

# Accepted shape of each type of field of the contract (FIELD_KINDS).
_DEPARTMENT_PATTERN = r"^(0?[1-9]|1[0-9]|2[1-9AaBb]|[3-8][0-9]|9[0-5]|97[1-46-8])$"
_KIND_SCHEMAS = {
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date", "example": "2025-03-14"},
    "count": {"type": "integer", "minimum": 0, "maximum": 100_000},
    "amount": {
        "type": "string",
        "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
        "example": "1234.56",
    },
    "percentage": {"type": "number", "minimum": 0, "maximum": 100},
    "department": {"type": "string", "pattern": _DEPARTMENT_PATTERN, "example": "57"},
    "deadline_rule": {
        "type": "string",
        "pattern": r"^(none|next_declaration|[Pp][1-9][0-9]{0,3}[DdMm])$",
        "example": "P30D",
    },
}


def _field_schema(name: str, kind: str, fact) -> dict:
    if kind in _KIND_SCHEMAS:
        schema = dict(_KIND_SCHEMAS[kind])
    else:  # closed list (enum): the values are the French-labelled choices of facts.toml
        schema = {"type": "string", "enum": [*fact.choices, None]}
    description = fact.label[:1].upper() + fact.label[1:] + "."
    if fact.choices and kind != "boolean":
        choices = " ; ".join(f"`{value}` : {label}" for value, label in fact.choices.items())
        description += f" Valeurs : {choices}."
    if kind == "amount":
        description += " En euros, chaîne décimale (un nombre JSON est aussi accepté)."
    if fact.help:
        description += f" {fact.help}"
    return {**schema, "nullable": True, "description": description}


def situation_schema() -> dict:
    """JSON schema of a situation: every field of the contract, nested objects included."""
    facts = load_catalogue().facts
    properties: dict = {}
    nested: dict[str, dict] = {}
    for name, kind in FIELD_KINDS.items():
        field = _field_schema(name, kind, facts[name])
        if "." in name:
            parent, leaf = name.split(".", 1)
            nested.setdefault(parent, {})[leaf] = field
        else:
            properties[name] = field
    for parent, fields in nested.items():
        properties[parent] = {
            "type": "object",
            "nullable": True,
            "additionalProperties": False,
            "properties": fields,
        }
    properties["location"]["description"] = "Lieu : le département fixe les jours fériés."
    properties["dates"]["description"] = "Dates utiles, au format AAAA-MM-JJ."
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "Situation : les faits connus. Un champ inconnu est refusé (400).",
        "properties": properties,
    }


GRANTED_GENERAL = {
    "sector": "general",
    "error_kind": "material_error",
    "sanction_nature": "administrative_pecuniary",
    "first_time": True,
    "regularised": "spontaneously",
    "bad_faith_established": False,
    "fraud_established": False,
    "exception_category": "none",
    "location": {"department": "57"},
    "dates": {"error": "2025-01-10", "regularisation": "2025-02-03"},
}
TAX_LATE_INTEREST = {
    "sector": "tax",
    "error_kind": "misreading_rule",
    "sanction_nature": "administrative_pecuniary",
    "bad_faith_established": False,
    "fraud_established": False,
    "exception_category": "none",
    "initial_declaration_on_time": True,
    "initial_payment_on_time": True,
    "prior_administration_act": "none",
    "payment": "paid_with_rectifying_declaration",
    "tax_shortfall_eur": "1000.00",
    "months_of_interest": 10,
    "dates": {"error": "2024-05-20", "rectifying_declaration": "2025-03-14"},
}


def situation_examples() -> list[OpenApiExample]:
    return [
        OpenApiExample(
            "Erreur matérielle corrigée spontanément",
            value=GRANTED_GENERAL,
            request_only=True,
        ),
        OpenApiExample(
            "Impôt : déclaration rectificative spontanée",
            value=TAX_LATE_INTEREST,
            request_only=True,
        ),
        OpenApiExample(
            "Situation incomplète (décision indéterminée)",
            value={"sector": "urssaf", "error_kind": "late_payment"},
            request_only=True,
        ),
    ]


def decision_examples() -> list[OpenApiExample]:
    decision = evaluate(parse_situation(GRANTED_GENERAL)).to_json()
    return [OpenApiExample("Droit à l'erreur accordé", value=decision, response_only=True)]


def invalid_examples() -> list[OpenApiExample]:
    return [
        OpenApiExample(
            "Champs invalides",
            value={
                "detail": "Situation invalide : 2 champs à corriger.",
                "errors": {
                    "sector": [
                        "Valeur inconnue 'impots'. Valeurs possibles : general, tax, urssaf, …"
                    ],
                    "dates.invitation": [
                        "Date attendue au format AAAA-MM-JJ, par exemple 2025-03-14 "
                        "(reçu '14/03/2025')."
                    ],
                },
            },
            response_only=True,
            status_codes=["400"],
        ),
        OpenApiExample(
            "JSON illisible",
            value={
                "detail": "Requête mal formée : le corps n'est pas un objet JSON lisible.",
                "errors": {"situation": ["JSON illisible à la ligne 1, colonne 12."]},
            },
            response_only=True,
            status_codes=["400"],
        ),
    ]


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_DECIMAL = {"type": "string", "nullable": True, "description": "Nombre décimal écrit en chaîne."}
REFERENCE_SCHEMA = {
    "type": "object",
    "description": "Référence juridique (texte, article, version, lien Légifrance).",
    "properties": {
        "id": _STRING,
        "code": _STRING,
        "article": _STRING,
        "paragraph": _nullable(_STRING),
        "version_date": _nullable({"type": "string", "format": "date"}),
        "url": {"type": "string", "format": "uri"},
        "unverified": {"type": "boolean", "description": "Référence encore à vérifier."},
        "note": _nullable(_STRING),
        "summary": _STRING,
        "sources": _STRINGS,
    },
}
DECISION_SCHEMA = {
    "type": "object",
    "description": "Décision du moteur (contrat JSON ; des champs peuvent s'ajouter).",
    "properties": {
        "right_to_error_applies": {
            "type": "boolean",
            "nullable": True,
            "description": "Le droit à l'erreur s'applique (null : faits manquants).",
        },
        "sanction": {
            "type": "string",
            "enum": [*(outcome.value for outcome in SanctionOutcome), None],
            "nullable": True,
            "description": "Sort de la sanction (null : indéterminé).",
        },
        "regime": _nullable(_STRING),
        "rule_version": _nullable(_STRING),
        "articles": {"type": "array", "items": REFERENCE_SCHEMA},
        "principal_still_due": {
            "type": "boolean",
            "description": "Les sommes dues (impôt, cotisations, indu) restent à payer.",
        },
        "principal_amount_eur": _DECIMAL,
        "interest": _nullable(
            {
                "type": "object",
                "description": "Intérêt de retard (impôts seulement).",
                "properties": {
                    "monthly_rate_pct": _DECIMAL,
                    "reduction_pct": _DECIMAL,
                    "amount_eur": _DECIMAL,
                },
            }
        ),
        "effective_deadline": _nullable({"type": "string", "format": "date"}),
        "deadline_extension": _STRINGS,
        "missing_facts": {**_STRINGS, "description": "Faits manquants (noms pointés)."},
        "missing_for_amounts": _STRINGS,
        "flags": {**_STRINGS, "description": "Points à faire examiner par un agent."},
        "flag_details": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": _STRING, "message": _STRING}},
        },
        "trace": {
            "type": "array",
            "description": "Chaque condition examinée, dans l'ordre.",
            "items": {
                "type": "object",
                "properties": {
                    "id": _STRING,
                    "label": _STRING,
                    "result": {"type": "boolean", "nullable": True},
                    "facts": {"type": "object", "additionalProperties": True},
                    "references": _STRINGS,
                    "note": _nullable(_STRING),
                },
            },
        },
        "explanation": {
            "type": "object",
            "properties": {
                "public": {**_STRING, "description": "Explication pour l'usager."},
                "agent": {**_STRING, "description": "Explication détaillée pour l'agent."},
            },
        },
        "rules_version": _STRING,
    },
    "required": ["right_to_error_applies", "sanction", "missing_facts", "rules_version"],
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {**_STRING, "description": "Message en français."}},
    "required": ["detail"],
}
INVALID_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {**_STRING, "description": "Résumé en français."},
        "errors": {
            "type": "object",
            "description": "Messages en français par champ (nom pointé, « situation » : le corps).",
            "additionalProperties": _STRINGS,
        },
    },
    "required": ["detail", "errors"],
}
RULES_SCHEMA = {
    "type": "object",
    "properties": {
        "rules_version": {**_STRING, "description": "Version du jeu de règles."},
        "sectors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": _STRING,
                    "label": _STRING,
                    "rules": _STRINGS,
                    "principal": _STRING,
                },
            },
        },
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": _STRING,
                    "regime": _STRING,
                    "title": _STRING,
                    "versions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": _STRING,
                                "label": _STRING,
                                "valid_from": _nullable({"type": "string", "format": "date"}),
                                "valid_to": _nullable({"type": "string", "format": "date"}),
                                "references": {"type": "array", "items": REFERENCE_SCHEMA},
                                "conditions": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    },
                },
            },
        },
    },
    "required": ["rules_version", "sectors", "rules"],
}
THROTTLED_RESPONSE = OpenApiResponse(
    response=DETAIL_SCHEMA,
    description="Trop de requêtes depuis cette adresse : réessayez après le délai indiqué.",
)
RETRY_AFTER = OpenApiParameter(
    name="Retry-After",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Secondes à attendre avant de réessayer.",
)
