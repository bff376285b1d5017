"""POST /api/v1/cases/: the public submission endpoint judges a declaration like the form
(same French messages, by field), answers JSON only, is throttled per IP address, and is
idempotent with an Idempotency-Key header; the OpenAPI schema documents it."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from bonnefoi.cases import services
from bonnefoi.cases.models import Case
from tests.cases.factories import past, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


@pytest.fixture
def w():
    return world()


@pytest.fixture
def body(w):
    return {
        "procedure": w.procedure.slug,
        "postal_code": "30900",
        "declared_value": "J'ai déclaré 1 800 € de salaire.",
        "declared_on": past(40).isoformat(),
        "correct_value": "Mon salaire était de 2 100 €.",
        "correct_since": past(40).isoformat(),
        "administration_asked": True,
        "letter_date": past(10).isoformat(),
        "letter_deadline": past(-20).isoformat(),
        "identifier_kind": "nir",
        "identifier": "2 95 10 99 126 111 93",
        "contact_email": "personne@exemple.test",
        "consent": True,
    }


def post(client, data, **headers):
    return client.post(URL, json.dumps(data), content_type="application/json", headers=headers)


def test_a_valid_declaration_makes_a_case(client, w, body, django_capture_on_commit_callbacks):
    """201 with the reference and the tracking link (also in Location); the case is routed,
    the identifier compacted, the receipt e-mailed."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body)
    assert response.status_code == 201
    case = Case.objects.get()
    data = response.json()
    assert data["reference"] == case.reference
    assert data["structure"] == "CAF du Gard"
    assert data["state"] == "submitted"
    secret = services.tracking_secret(case)
    assert data["tracking_url"].endswith(reverse("cases:track", args=[case.reference, secret]))
    assert response["Location"] == data["tracking_url"]
    assert case.identifier == "295109912611193"
    assert case.administration_asked is True
    assert len(mail.outbox) == 1


def test_the_same_idempotency_key_gives_the_same_case(client, body):
    """A retry with the same Idempotency-Key answers 200 with the same case; another key
    makes another case."""
    first = post(client, body, **{"Idempotency-Key": "depot-2026-0001"})
    again = post(client, body, **{"Idempotency-Key": "depot-2026-0001"})
    other = post(client, body, **{"Idempotency-Key": "depot-2026-0002"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert other.status_code == 201
    assert Case.objects.count() == 2


def test_an_api_key_cannot_open_a_web_draft(client, body):
    """Idempotency keys and the form's resume secrets never open each other's drafts."""
    post(client, body, **{"Idempotency-Key": "A" * 43})
    assert services.draft_for("A" * 43, create=False) is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"procedure": "inconnue"}, "procedure", "Cette démarche n'existe pas"),
        ({"postal_code": "123"}, "postal_code", "Ce code postal n'existe pas"),
        ({"declared_on": "2099-01-01"}, "declared_on", "ne peut pas être dans le futur"),
        ({"declared_on": "hier"}, "declared_on", "Écrivez une date valide"),
        ({"letter_date": None}, "letter_date", "Indiquez la date du courrier"),
        ({"administration_asked": False}, "administration_asked", "Vous indiquez un courrier"),
        ({"identifier": "123"}, "identifier", "Numéro de sécurité sociale invalide"),
        ({"contact_email": "non"}, "contact_email", "Adresse électronique invalide"),
        ({"consent": False}, "consent", "Cochez la case"),
        ({"consent": "oui"}, "consent", "Valeur attendue : true ou false."),
        ({"declared_value": 42}, "declared_value", "Valeur attendue : une chaîne"),
        ({"couleur": "bleu"}, "couleur", "Champ inconnu"),
    ],
)
def test_invalid_declarations_get_french_errors_by_field(client, body, changes, field, message):
    """The form's own checks, as JSON: 400, a French summary and messages by field."""
    response = post(client, {**body, **changes})
    assert response.status_code == 400
    data = response.json()
    assert data["detail"].startswith("Déclaration invalide")
    assert any(message in error for error in data["errors"][field]), data["errors"]
    assert Case.objects.count() == 0


def test_missing_fields_are_named(client):
    """An empty object lists every required field."""
    response = post(client, {})
    assert response.status_code == 400
    errors = response.json()["errors"]
    for field in ("procedure", "postal_code", "declared_value", "contact_email", "consent"):
        assert field in errors


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [
        ("procedure=x", "application/x-www-form-urlencoded", 415),
        ("{pas du json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
    ],
)
def test_body_must_be_a_json_object(client, payload, content_type, status):
    """Another format is a 415; unreadable JSON or a non-object a 400, in French."""
    response = client.post(URL, payload, content_type=content_type)
    assert response.status_code == status
    assert response.json()["detail"]


def test_a_bad_idempotency_key_is_refused(client, body):
    """A key outside 8-100 safe characters is a 400 naming the header."""
    response = post(client, body, **{"Idempotency-Key": "court"})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_submissions_are_throttled(client, body, settings):
    """Past the rate per address, 429 with Retry-After and a French message."""
    settings.CASE_API_THROTTLE_RATE = "2/hour"
    assert post(client, body).status_code == 201
    assert post(client, {}).status_code == 400
    response = post(client, body)
    assert response.status_code == 429
    assert "Trop de requêtes" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_get_is_not_allowed(client):
    """Only POST: a GET is a 405 in French."""
    response = client.get(URL)
    assert response.status_code == 405
    assert "non autorisée" in response.json()["detail"]


def test_schema_documents_the_endpoint(client):
    """The OpenAPI schema lists POST /api/v1/cases/ with its answers, the Idempotency-Key
    header, the request fields and says documents are not accepted."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "400", "415", "429"}
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert "pièces jointes ne sont pas acceptées" in operation["description"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"procedure", "postal_code", "consent"} <= set(request["required"])


def test_a_key_replayed_with_another_body_opens_nothing(client, body):
    """Knowing (or guessing) someone's Idempotency-Key is not enough: the same key with
    another body is refused (422, French), with no reference and no tracking link, and
    creates nothing; the right body still gets its case back."""
    first = post(client, body, **{"Idempotency-Key": "depot-2026-0001"})
    assert first.status_code == 201
    tracking = first.json()["tracking_url"]
    stranger = post(client, {"anything": 1}, **{"Idempotency-Key": "depot-2026-0001"})
    assert stranger.status_code == 422
    assert "déjà servi pour une autre déclaration" in stranger.json()["detail"]
    assert tracking not in stranger.content.decode()
    assert first.json()["reference"] not in stranger.content.decode()
    other = {**body, "contact_email": "quelquun@exemple.test"}
    assert post(client, other, **{"Idempotency-Key": "depot-2026-0001"}).status_code == 422
    assert Case.objects.count() == 1
    again = post(client, body, **{"Idempotency-Key": "depot-2026-0001"})
    assert again.status_code == 200
    assert again.json()["tracking_url"] == tracking
