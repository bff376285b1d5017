"""Decision support in the back office: the engine's situation pre-filled from the declaration,
the "Évaluer" round trip (decision, missing facts, trace), and recording a motivated decision."""

import pytest
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.agent_forms import field_name, flatten
from bonnefoi.cases.models import CaseState, Decision, Outcome
from bonnefoi.core.models import AuditLogEntry
from tests.cases.factories import agent_in, in_review, submit, world
from tests.cases.test_services import GRANTED_SITUATION

pytestmark = pytest.mark.django_db


def decide_url(case):
    return reverse("cases_backoffice:decide", kwargs={"reference": case.reference})


def situation_data(situation: dict) -> dict:
    return {field_name(fact): value for fact, value in flatten(situation).items()}


@pytest.fixture
def w():
    return world()


@pytest.fixture
def agent(w):
    return agent_in(w.gard)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def post(client, case, *, action, situation=GRANTED_SITUATION, **decision):
    data = {"version": case.version, "action": action, **situation_data(situation), **decision}
    return client.post(decide_url(case), data)


def test_situation_is_prefilled_from_the_declaration_and_the_view_audited(w, agent, agent_client):
    """Sector from the procedure, département from the postal code, dates of the error and of
    the regularisation; the engine's answer on them is shown; the view is audited."""
    case = in_review(w.procedure, agent)
    response = agent_client.get(decide_url(case))
    assert response.status_code == 200
    form = response.context["situation_form"]
    assert form[field_name("sector")].value() == "caf"
    assert form[field_name("location.department")].value() == "30"
    assert form[field_name("regularised")].value() == "spontaneously"
    assert form[field_name("dates.error")].value() == case.declared_on.isoformat()
    html = response.content.decode()
    assert "Avis du moteur du droit à l" in html
    assert "Raisonnement du moteur" in html
    assert AuditLogEntry.objects.filter(
        action="case.view", object_id=str(case.pk), details__page="décision"
    ).exists()


def test_evaluate_shows_decision_and_trace_and_records_nothing(w, agent, agent_client):
    """ "Évaluer" shows the engine's verdict, its trace and articles; nothing is recorded and
    what the agent typed in the decision stays."""
    case = in_review(w.procedure, agent)
    response = post(agent_client, case, action="evaluate", motivation="Brouillon de motivation.")
    assert response.status_code == 200
    engine = response.context["engine"]
    assert engine["applies"] is True
    assert engine["trace"]
    html = response.content.decode()
    assert "Droit à l'erreur applicable" in html
    assert "L123-1" in html
    assert "Brouillon de motivation." in html
    assert not Decision.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW


@pytest.mark.parametrize("sector", ["tax", "urssaf", "france_travail"])
def test_evaluate_asks_for_the_facts_the_engine_still_needs(w, agent, agent_client, sector):
    """After an evaluation, every fact the engine says is missing has a field to answer."""
    case = in_review(w.procedure, agent)
    response = post(
        agent_client, case, action="evaluate", situation={"sector": sector, "error_kind": ""}
    )
    assert response.status_code == 200
    missing = response.context["engine"]["missing"]
    assert missing
    form = response.context["situation_form"]
    labels = {form[name].label for name in form.fields}
    assert set(missing) <= labels


def test_invalid_situation_value_is_refused_on_its_field(w, agent, agent_client):
    """An unknown département is refused by the engine's parser, on the field, in French."""
    case = in_review(w.procedure, agent)
    situation = {**GRANTED_SITUATION, "location": {"department": "999"}}
    response = post(agent_client, case, action="evaluate", situation=situation)
    assert response.status_code == 400
    errors = response.context["situation_form"].errors[field_name("location.department")]
    assert "Code de département inconnu" in errors[0]


def test_record_a_decision_that_follows_the_engine(w, agent, agent_client):
    """Granting what the engine grants is recorded with the engine's answer and situation."""
    case = in_review(w.procedure, agent)
    response = post(
        agent_client,
        case,
        action="record",
        outcome=Outcome.GRANTED,
        motivation="Erreur matérielle corrigée de vous-même.",
        sums_due_eur="120,50",
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.follows_engine
    assert decision.engine_applies is True
    assert decision.situation["error_kind"] == "material_error"
    assert str(decision.sums_due_eur) == "120.50"
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def test_deviation_needs_a_reason(w, agent, agent_client):
    """Refusing what the engine grants is refused without a written reason; with it, recorded
    as a deviation."""
    case = in_review(w.procedure, agent)
    refused = post(
        agent_client, case, action="record", outcome=Outcome.NOT_APPLICABLE, motivation="Motifs."
    )
    assert refused.status_code == 400
    assert "deviation_reason" in refused.context["decision_form"].errors
    assert not Decision.objects.exists()
    done = post(
        agent_client,
        case,
        action="record",
        outcome=Outcome.NOT_APPLICABLE,
        motivation="Motifs.",
        deviation_reason="Régularisation incomplète : un trimestre manque.",
    )
    assert done.status_code == 302
    assert not Decision.objects.get().follows_engine


def test_bad_faith_needs_evidence_and_keeps_what_was_typed(w, agent, agent_client):
    """Bad faith without a statement of evidence is refused (burden of proof on the
    administration) and the motivation typed comes back."""
    case = in_review(w.procedure, agent)
    response = post(
        agent_client,
        case,
        action="record",
        outcome=Outcome.BAD_FAITH,
        motivation="Trois déclarations contradictoires.",
    )
    assert response.status_code == 400
    assert "evidence" in response.context["decision_form"].errors
    assert "Trois déclarations contradictoires." in response.content.decode()
    assert "c'est à l'administration" in response.content.decode()


def test_missing_outcome_and_motivation_are_refused(w, agent, agent_client):
    """The decision form requires an outcome and a motivation."""
    case = in_review(w.procedure, agent)
    response = post(agent_client, case, action="record")
    assert response.status_code == 400
    assert set(response.context["decision_form"].errors) >= {"outcome", "motivation"}


def test_who_cannot_decide(w, agent, client):
    """A quality manager gets a 403; a submitted (not taken) case sends the agent back to the
    case page; an agent of another administration gets a 404."""
    case = in_review(w.procedure, agent)
    client.force_login(agent_in(w.gard, Role.QUALITY_MANAGER))
    assert client.get(decide_url(case)).status_code == 403
    client.force_login(agent)
    fresh = submit(w.procedure)
    response = client.get(decide_url(fresh))
    assert response.status_code == 302
    client.force_login(agent_in(w.moselle))
    assert client.get(decide_url(case)).status_code == 404


def test_first_time_panel_lists_prior_outcomes_by_keyed_hash(w, agent, agent_client):
    """An earlier decision for the same identifier in another administration of the network is
    listed, without its reference (outside the agent's subtree); the keyed hash is explained."""
    moselle_agent = agent_in(w.moselle)
    earlier = in_review(
        w.procedure,
        moselle_agent,
        postal_code="57000",
        identifier_kind="caf_allocataire",
        identifier="1234567",
    )
    services.case_decide(
        case=earlier,
        user=moselle_agent,
        data=services.DecisionInput(
            outcome=Outcome.GRANTED, situation=GRANTED_SITUATION, motivation="Motifs."
        ),
        expected_version=earlier.version,
    )
    case = in_review(w.procedure, agent, identifier_kind="caf_allocataire", identifier="1234567")
    html = agent_client.get(decide_url(case)).content.decode()
    assert "CAF de la Moselle" in html
    assert "hors de votre périmètre" in html
    assert earlier.reference not in html
    assert "HMAC" in html
