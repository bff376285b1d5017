"""Agent API on correction cases: personal tokens, the caller's subtree only, the same rights
and checks as the back office, French errors by field, audited reads, all in the OpenAPI schema."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.authentication import api_token_create, hash_token
from bonnefoi.cases.models import ApiToken, Case, CaseState, EventKind
from bonnefoi.core.models import AuditLogEntry
from tests.accounts.factories import MembershipFactory
from tests.cases.factories import (
    SITUATION_GRANTED,
    agent_in,
    api_headers,
    api_post,
    decide,
    in_review,
    submit,
    world,
)
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/agent/cases/"


@pytest.fixture
def w():
    return world()


bearer, post = api_headers, api_post


# --- tokens ---------------------------------------------------------------------------------------


def test_api_token_command_prints_the_token_once_and_stores_its_hash(w):
    """`manage.py api_token EMAIL` prints a token that authenticates; only its SHA-256 and its
    8-character prefix are kept; --revoke PREFIX stops it."""
    user = agent_in(w.gard)
    out, err = StringIO(), StringIO()
    call_command("api_token", user.email, "--label", "Logiciel métier", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hash_token(raw)
    assert token.prefix == raw[:8]
    assert token.label == "Logiciel métier"
    assert raw not in str(list(ApiToken.objects.values()))
    assert "ne sera plus jamais affiché" in err.getvalue()

    call_command("api_token", "--revoke", token.prefix, stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"api_token.create", "api_token.revoke"} <= actions


def test_api_token_command_refuses_an_unknown_account(w):
    """An unknown e-mail is a clear French error, not a traceback."""
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("api_token", "personne@nulle-part.test", stdout=StringIO())


def test_a_valid_token_authenticates_and_is_marked_used(client, w):
    """The token acts as its owner; last_used_at records the use."""
    user = agent_in(w.gard)
    headers = bearer(user)
    response = client.get(CASES, headers=headers)
    assert response.status_code == 200
    assert ApiToken.objects.get(user=user).last_used_at is not None


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "Authentification requise"),
        ("unknown", "Jeton inconnu."),
        ("revoked", "Ce jeton a été révoqué."),
        ("inactive", "Le compte de ce jeton est désactivé."),
        ("malformed", "En-tête Authorization invalide"),
    ],
)
def test_bad_tokens_are_refused_with_401(client, w, case, message):
    """No token, an unknown, revoked or malformed one, or a deactivated account: 401 with a
    Bearer challenge and a French message."""
    user = agent_in(w.gard)
    token, raw = api_token_create(email=user.email)
    headers = {"Authorization": f"Bearer {raw}"}
    if case == "missing":
        headers = {}
    elif case == "unknown":
        headers = {"Authorization": "Bearer pas-un-vrai-jeton"}
    elif case == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif case == "inactive":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    elif case == "malformed":
        headers = {"Authorization": f"Bearer {raw} en trop"}
    response = client.get(CASES, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert message in response.json()["detail"]


# --- reading ------------------------------------------------------------------------------------


def test_list_holds_the_subtree_only_without_personal_data(client, w):
    """A Gard agent lists the Gard's cases, not the Moselle's; rows carry no declaration text,
    e-mail or identifier."""
    gard_case = submit(w.procedure, postal_code="30900")
    submit(w.procedure, postal_code="57100")
    response = client.get(CASES, headers=bearer(agent_in(w.gard)))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["reference"] for row in rows] == [gard_case.reference]
    body = response.content.decode()
    assert "personne@exemple.test" not in body
    assert "1 800" not in body
    assert set(rows[0]) >= {"reference", "state", "version", "structure", "updated_at", "overdue"}


def test_list_filters_by_state_structure_and_update_date(client, w):
    """state, structure and updated_since narrow the list; a bad value is a 400 in French."""
    agent = agent_in(w.network, Role.ADMINISTRATOR)
    headers = bearer(agent)
    taken = in_review(w.procedure, agent, postal_code="30900")
    fresh = submit(w.procedure, postal_code="57100")
    old = timezone.now() - timedelta(days=3)
    Case.objects.filter(pk=fresh.pk).update(updated_at=old)

    def refs(query):
        response = client.get(CASES + query, headers=headers)
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    assert refs("") == {taken.reference, fresh.reference}
    assert refs("?state=in_review") == {taken.reference}
    assert refs(f"?structure={w.moselle.pk}") == {fresh.reference}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert refs("?updated_since=" + since.replace("+", "%2B")) == {taken.reference}
    response = client.get(CASES + "?state=perdu", headers=headers)
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_reading_a_case_gives_everything_and_is_audited(client, w):
    """The detail has the declaration, public and internal events, invitations and the
    decision; the read is written to the audit log (case.view, through the API)."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    services.case_note(case=case, user=agent, body="Appeler la personne lundi.")
    case = Case.objects.get(pk=case.pk)
    services.case_invite(
        case=case,
        user=agent,
        requested="Envoyez votre bulletin.",
        rule="P30D",
        expected_version=None,
    )
    response = client.get(f"{CASES}{case.reference}/", headers=bearer(agent))
    assert response.status_code == 200
    data = response.json()
    assert data["declaration"]["contact_email"] == "personne@exemple.test"
    kinds = {(event["kind"], event["is_public"]) for event in data["events"]}
    assert ("internal_note", False) in kinds
    assert ("invitation", True) in kinds
    assert data["invitations"][0]["deadline_rule"] == "P30D"
    assert data["decision"] is None
    assert data["abilities"]["decide"] is True
    assert data["situation_prefill"]["sector"] == "caf"
    entry = AuditLogEntry.objects.filter(action="case.view", object_id=str(case.pk)).get()
    assert entry.actor == agent
    assert entry.details == {"page": "api"}


def test_a_case_outside_the_subtree_is_404_and_not_audited(client, w):
    """A Moselle agent cannot tell a Gard case exists: 404 on read and on every action."""
    case = submit(w.procedure, postal_code="30900")
    headers = bearer(agent_in(w.moselle))
    assert client.get(f"{CASES}{case.reference}/", headers=headers).status_code == 404
    for action in ("take", "close", "messages", "invitations", "decision"):
        assert post(client, f"{CASES}{case.reference}/{action}/", headers).status_code == 404
    assert not AuditLogEntry.objects.filter(action="case.view").exists()


def test_an_anonymous_agent_is_shown_by_pseudonym_outside_their_structure(client, w):
    """Identification rules hold in the API: a network quality manager reads the pseudonym of
    an agent under an anonymity exception, never their name."""
    assignee = AgentFactory(structure=w.gard, first_name="Bérénice", last_name="Quintard")
    AnonymityExceptionFactory(agent=assignee)
    case = in_review(w.procedure, assignee.user)
    reader = agent_in(w.moselle)
    MembershipFactory(user=reader, structure=w.network, role=Role.QUALITY_MANAGER)
    response = client.get(f"{CASES}{case.reference}/", headers=bearer(reader))
    assert response.status_code == 200
    assert response.json()["assignee"]["name"] == assignee.pseudonym
    assert "Quintard" not in response.content.decode()


# --- acting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "act"),
    [
        (Role.AGENT, 200, 200),
        (Role.ADMINISTRATOR, 200, 200),
        (Role.QUALITY_MANAGER, 200, 403),
        (Role.EDITOR, 404, 404),
    ],
)
def test_rights_are_those_of_the_back_office(client, w, role, read, act):
    """Roles on the case's structure: agents and administrators act, quality managers only read,
    editors do not see cases at all."""
    case = submit(w.procedure, postal_code="30900")
    headers = bearer(agent_in(w.gard, role))
    assert client.get(f"{CASES}{case.reference}/", headers=headers).status_code == read
    response = post(client, f"{CASES}{case.reference}/take/", headers)
    assert response.status_code == act
    if act == 200:
        assert response.json()["case"]["state"] == CaseState.IN_REVIEW


def test_message_and_invitation(client, w):
    """A message is recorded and sent; an invitation gets the calendar's deadline; an empty
    text is a 400 naming the field."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    headers = bearer(agent)
    url = f"{CASES}{case.reference}/"
    response = post(client, url + "messages/", headers, {"body": "Bonjour, pièce reçue."})
    assert response.status_code == 201
    assert response.json()["event"]["kind"] == EventKind.MESSAGE_TO_PERSON

    response = post(client, url + "messages/", headers, {"body": "   "})
    assert response.status_code == 400
    assert "body" in response.json()["errors"]

    response = post(client, url + "invitations/", headers, {"requested": "Envoyez le bulletin."})
    assert response.status_code == 201, response.content
    invitation = response.json()["invitation"]
    expected = services.invitation_deadline(case, "P30D", timezone.localdate()).end
    assert invitation["deadline"] == expected.isoformat()
    assert response.json()["case"]["state"] == CaseState.AWAITING_PERSON

    response = post(client, url + "invitations/", headers, {"requested": "x", "rule": "30 jours"})
    assert response.status_code == 400
    assert response.json()["errors"]["rule"] == ["Délai attendu sous la forme P30D ou P1M."]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"motivation": ""}, "motivation", "Ce champ ne peut être vide."),
        (
            {"outcome": "bad_faith", "evidence": ""},
            "evidence",
            "La mauvaise foi ou la fraude doit être établie par l'administration",
        ),
        (
            {"outcome": "not_applicable"},
            "deviation_reason",
            "Votre décision diffère de l'avis du moteur",
        ),
        ({"situation": {"sector": "impots"}}, "situation.sector", "Valeur inconnue"),
        ({"outcome": "peut-être"}, "outcome", "n'est pas un choix valide"),
    ],
)
def test_decision_errors_are_given_by_field_in_french(client, w, payload, field, message):
    """The same checks as the back office, answered 400 with French messages by field; nothing
    is decided."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    data = {
        "outcome": "granted",
        "situation": SITUATION_GRANTED,
        "motivation": "Erreur matérielle corrigée spontanément.",
        **payload,
    }
    response = post(client, f"{CASES}{case.reference}/decision/", bearer(agent), data)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(message in text for text in errors[field]), errors
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_REVIEW


def test_decide_then_close_with_versions(client, w, django_capture_on_commit_callbacks):
    """A decision returns the engine's answer and the letter's status; a stale version is a 409
    with a French message; closing with the current version works."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    headers = bearer(agent)
    url = f"{CASES}{case.reference}/"
    stale = case.version - 1
    response = post(client, url + "decision/", headers, {"version": stale, "outcome": "granted"})
    assert response.status_code == 400  # missing fields are checked before the version
    data = {
        "version": stale,
        "outcome": "granted",
        "situation": SITUATION_GRANTED,
        "motivation": "Erreur matérielle corrigée spontanément.",
        "sums_due_eur": "300.00",
    }
    response = post(client, url + "decision/", headers, data)
    assert response.status_code == 409
    assert "modifié par quelqu'un d'autre" in response.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url + "decision/", headers, {**data, "version": case.version})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"]["follows_engine"] is True
    assert body["decision"]["sums_due_eur"] == "300.00"
    assert body["case"]["state"] == CaseState.DECIDED

    letter = client.get(url + "letter/", headers=headers)
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"

    version = client.get(url, headers=headers).json()["version"]
    response = post(client, url + "close/", headers, {"version": version})
    assert response.status_code == 200
    assert response.json()["case"]["state"] == CaseState.CLOSED


def test_letter_is_404_before_the_decision(client, w):
    """No decision, no letter."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    response = client.get(f"{CASES}{case.reference}/letter/", headers=bearer(agent))
    assert response.status_code == 404


def test_decided_case_shows_its_decision(client, w):
    """Reading a decided case gives the decision, its agent and the letter's status."""
    agent = agent_in(w.gard)
    case = in_review(w.procedure, agent)
    decide(case, agent)
    data = client.get(f"{CASES}{case.reference}/", headers=bearer(agent)).json()
    assert data["decision"]["outcome"] == "granted"
    assert data["decision"]["letter"]["status"] == "pending"
    assert data["decision"]["agent"]["name"] == agent.agent.full_name


def test_every_endpoint_is_in_the_openapi_schema(client, w):
    """The schema documents each path, in French, with the bearer scheme."""
    response = client.get("/api/v1/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/agent/cases/",
        "/api/v1/agent/cases/{reference}/",
        "/api/v1/agent/cases/{reference}/take/",
        "/api/v1/agent/cases/{reference}/messages/",
        "/api/v1/agent/cases/{reference}/invitations/",
        "/api/v1/agent/cases/{reference}/decision/",
        "/api/v1/agent/cases/{reference}/close/",
        "/api/v1/agent/cases/{reference}/letter/",
    ):
        assert path in text, path
    assert "jetonAgent" in text
    assert "Enregistrer la décision" in text
