"""Public right-to-error API: evaluate a situation, read the rules, OpenAPI schema.

These tests are not marked django_db: pytest-django refuses any database access, so passing them
proves the API works without a database.
"""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonnefoi.right_to_error.api import RightToErrorThrottle
from bonnefoi.right_to_error.openapi import GRANTED_GENERAL
from bonnefoi.rules import load_catalogue, rules_version
from bonnefoi.rules.situation import FIELD_NAMES

EVALUATE = "/api/v1/right-to-error/evaluate"
RULES = "/api/v1/right-to-error/rules"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _post(client, body, content_type="application/json", *, raw=False, **extra):
    if not raw:
        body = json.dumps(body)
    return client.post(EVALUATE, data=body, content_type=content_type, **extra)


def test_granted_general_case_returns_the_full_decision(client):
    """A first material error, corrected spontaneously, outside any exception: 200, the right to
    error applies, the sanction is waived, L123-1 is cited, and the trace and both explanations
    come with it."""
    response = _post(client, GRANTED_GENERAL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    decision = response.json()
    assert decision["right_to_error_applies"] is True
    assert decision["sanction"] == "waived"
    assert decision["regime"] == "general"
    assert decision["principal_still_due"] is True
    assert decision["missing_facts"] == []
    assert decision["rules_version"] == rules_version()
    assert "L123-1" in {article["article"] for article in decision["articles"]}
    assert all(article["url"].startswith("https://") for article in decision["articles"])
    assert decision["trace"], "every evaluated condition is traced"
    assert {"id", "label", "result", "facts", "references"} <= set(decision["trace"][0])
    assert decision["explanation"]["public"]
    assert decision["explanation"]["agent"]


def test_missing_facts_give_an_indeterminate_decision_not_an_error(client):
    """An incomplete situation is valid: 200 with right_to_error_applies null and the missing
    facts listed (a missing fact never defaults to yes or no)."""
    response = _post(client, {"sector": "general", "error_kind": "material_error"})
    assert response.status_code == 200
    decision = response.json()
    assert decision["right_to_error_applies"] is None
    assert decision["sanction"] is None
    assert "bad_faith_established" in decision["missing_facts"]


@pytest.mark.parametrize(
    ("situation", "field", "words"),
    [
        ({"sector": "impots"}, "sector", "Valeur inconnue"),
        ({"dates": {"invitation": "14/03/2025"}}, "dates.invitation", "AAAA-MM-JJ"),
        ({"secteur": "general"}, "secteur", "Champ inconnu"),
        ({"dates": {"hier": "2025-01-01"}}, "dates.hier", "Champ inconnu"),
        (
            {"first_time": True, "previous_error_same_rule": True},
            "previous_error_same_rule",
            "Contradiction",
        ),
        ({"first_time": "true"}, "first_time", "true ou false"),
    ],
)
def test_invalid_fields_get_french_messages_by_dotted_name(client, situation, field, words):
    """A bad enum value, a badly written date, an unknown field or contradictory facts: 400 with
    a French summary and French messages keyed by the dotted field name."""
    response = _post(client, situation)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Situation invalide : ")
    assert list(body["errors"]) == [field]
    assert words in body["errors"][field][0]


def test_several_invalid_fields_are_all_reported(client):
    """All faulty fields are reported at once, and the summary counts them."""
    response = _post(client, {"sector": "x", "error_kind": "y", "dates": {"error": "demain"}})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"sector", "error_kind", "dates.error"}
    assert body["detail"] == "Situation invalide : 3 champs à corriger."


@pytest.mark.parametrize(
    "body",
    [
        '{"sector": "general"',
        "{'sector': 'general'}",
        "",
        '{"tax_shortfall_eur": NaN}',
        '{"months_of_interest": ' + "9" * 5000 + "}",
        "[" * 100_000 + "]" * 100_000,
        b'{"sector": "g\xe9n\xe9ral"}',
    ],
    ids=["truncated", "single-quotes", "empty", "nan", "huge-int", "deep", "latin-1"],
)
def test_malformed_json_is_a_french_400(client, body):
    """Unreadable JSON (truncated, not JSON, NaN, a number too long, absurd nesting, not UTF-8)
    is a 400 in French under the ``situation`` key, never a 500; an empty body is an empty
    situation (200, indeterminate)."""
    response = _post(client, body, raw=True)
    if body == "":
        assert response.status_code == 200
        assert response.json()["right_to_error_applies"] is None
        return
    assert response.status_code == 400
    payload = response.json()
    assert payload["detail"] == "Requête mal formée : le corps n'est pas un objet JSON lisible."
    [message] = payload["errors"]["situation"]
    assert "JSON" in message or "texte valide" in message
    assert "parse error" not in message


@pytest.mark.parametrize(
    "body",
    [
        [],
        [GRANTED_GENERAL],
        "texte",
        42,
        None,
        True,
        {"sector": {"a": [1, {"b": None}]}},
        {"location": [1, 2]},
        {"dates": "2024-01-01"},
        {"dates": {"error": 20240101}},
        {"location": {"department": 57}},
        {"tax_shortfall_eur": 1e400},
        {"tax_shortfall_eur": 10**40},
        {"months_of_interest": -1},
        {"days_late": 10**30},
        {"regularising_payment_pct_of_initial": "150"},
        {"first_time": "oui", "bad_faith_established": "false"},
        {"deadline_rule": "P0D"},
        {"": 1},
    ],
)
def test_odd_inputs_are_400_never_500(client, body):
    """Lists, strings, numbers, null, nested nonsense, huge numbers and booleans written as
    strings are refused with French messages (400), never a server error."""
    response = _post(client, body)
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["detail"]
    assert payload["errors"]
    for messages in payload["errors"].values():
        assert all(isinstance(message, str) and message for message in messages)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_VALUES = JSON_VALUES | st.sampled_from(
    ["2018-08-11", "2018-08-12", "2025-02-28", "57", "971", "P30D", "P1M", "none", "12.50"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=JSON_VALUES
    | st.dictionaries(st.sampled_from([*FIELD_NAMES, "dates", "location"]), FIELD_VALUES)
)
def test_any_json_gets_200_or_400(client, monkeypatch, data):
    """Whatever JSON a client sends (random values, known field names with random values), the
    answer is a decision (200) or French field messages (400)."""
    monkeypatch.setattr(RightToErrorThrottle, "rate", "100000/minute")
    response = _post(client, data)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["errors"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", json.dumps(GRANTED_GENERAL)),
        ("application/x-www-form-urlencoded", "sector=general"),
        ("application/xml", "<situation/>"),
    ],
)
def test_non_json_content_type_is_a_french_415(client, content_type, body):
    """A body sent as text, form or XML is refused with 415 and a French message."""
    response = _post(client, body, content_type=content_type, raw=True)
    assert response.status_code == 415
    assert response.json() == {
        "detail": "Format de requête non pris en charge : envoyez la situation en JSON "
        "(en-tête Content-Type: application/json)."
    }


def test_anonymous_json_post_needs_no_login_and_no_csrf_token():
    """The API is public: an anonymous POST without a CSRF token (CSRF checks enforced, as a
    browser would be) is evaluated, not redirected to the login page nor refused."""
    client = Client(enforce_csrf_checks=True)
    response = _post(client, GRANTED_GENERAL)
    assert response.status_code == 200
    assert client.get(RULES).status_code == 200


def test_wrong_method_is_a_french_405(client):
    """GET on the evaluate endpoint and POST on the rules endpoint: 405 in French."""
    response = client.get(EVALUATE)
    assert response.status_code == 405
    assert response.json()["detail"].startswith("Méthode GET non autorisée")
    assert client.post(RULES).status_code == 405


def test_any_accept_header_still_gets_json(client):
    """The API answers JSON even to a client asking for HTML (no 406)."""
    response = _post(client, GRANTED_GENERAL, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_evaluate_runs_no_database_query(client, django_assert_num_queries):
    """Evaluating a situation reads nothing from the database (the throttle uses the cache)."""
    _post(client, GRANTED_GENERAL)  # warm-up: rule data loaded once per process
    with django_assert_num_queries(0):
        assert _post(client, GRANTED_GENERAL).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(RULES).status_code == 200


def test_rules_endpoint_lists_every_rule_version_with_references(client):
    """GET rules gives the rules version, the sectors and every rule with all its versions,
    dates and legal references."""
    response = client.get(RULES)
    assert response.status_code == 200
    body = response.json()
    catalogue = load_catalogue()
    assert body["rules_version"] == catalogue.version
    assert [rule["id"] for rule in body["rules"]] == list(catalogue.rules)
    for rule in body["rules"]:
        expected = [version.id for version in catalogue.rules[rule["id"]].versions]
        assert [version["id"] for version in rule["versions"]] == expected
        for version in rule["versions"]:
            assert "valid_from" in version
            assert "valid_to" in version
            assert version["references"], version["id"]
            assert all(reference["url"] for reference in version["references"])
    assert {sector["id"] for sector in body["sectors"]} == set(catalogue.sectors)
    assert "public" in response["Cache-Control"]


def test_throttle_answers_429_in_french_with_retry_after(client, monkeypatch):
    """Past the anonymous rate, the API answers 429 with a French message and Retry-After."""
    monkeypatch.setattr(RightToErrorThrottle, "rate", "2/minute")
    for _ in range(2):
        assert _post(client, GRANTED_GENERAL).status_code == 200
    response = _post(client, GRANTED_GENERAL)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de requêtes : réessayez dans ")
    assert int(response["Retry-After"]) > 0
    other_ip = _post(client, GRANTED_GENERAL, REMOTE_ADDR="192.0.2.7")
    assert other_ip.status_code == 200, "the limit is per address"


def test_schema_documents_both_paths_and_their_codes(client):
    """The OpenAPI document holds both endpoints, every response code with a French
    description, and a request schema that lists every field of the JSON contract."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    evaluate = schema["paths"]["/api/v1/right-to-error/evaluate"]["post"]
    rules = schema["paths"]["/api/v1/right-to-error/rules"]["get"]
    assert set(evaluate["responses"]) == {"200", "400", "415", "429"}
    assert set(rules["responses"]) == {"200", "429"}
    for operation in (evaluate, rules):
        for code, response in operation["responses"].items():
            assert response["description"], code
            assert "application/json" in response["content"], code
        assert {} in operation["security"], "anonymous access is documented"
    assert "Retry-After" in evaluate["responses"]["429"]["headers"]
    assert "Trop de requêtes" in evaluate["responses"]["429"]["description"]

    request = evaluate["requestBody"]["content"]["application/json"]["schema"]
    documented = {
        f"{parent}.{leaf}" if "properties" in spec else parent
        for parent, spec in request["properties"].items()
        for leaf in spec.get("properties", [None])
    }
    assert documented == set(FIELD_NAMES)
    assert request["additionalProperties"] is False
    assert "general" in request["properties"]["sector"]["enum"]
    assert request["properties"]["dates"]["properties"]["invitation"]["format"] == "date"
    examples = evaluate["responses"]["200"]["content"]["application/json"]["examples"]
    assert any(e["value"]["right_to_error_applies"] is True for e in examples.values())


def test_schema_enums_are_the_values_the_engine_accepts(client):
    """Every value the schema lists for a closed field is accepted by the evaluate endpoint."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    request = schema["paths"]["/api/v1/right-to-error/evaluate"]["post"]["requestBody"]
    properties = request["content"]["application/json"]["schema"]["properties"]
    for name, spec in properties.items():
        for value in spec.get("enum", []):
            response = _post(client, {name: value})
            assert response.status_code == 200, (name, value, response.content)
            cache.clear()
