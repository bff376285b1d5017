"""The correction case's life: submission once per draft, routing, the state machine, the
invitation's deadline, decisions checked against the engine, conflicts between agents."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.models import Case, CaseEvent, CaseState, Draft, EventKind, Outcome
from tests.cases.factories import agent_in, national_agent, past, submit, world

pytestmark = pytest.mark.django_db

GRANTED_SITUATION = {
    "sector": "caf",
    "location": {"department": "30"},
    "error_kind": "material_error",
    "sanction_nature": "administrative_pecuniary",
    "regularised": "spontaneously",
    "exception_category": "none",
    "bad_faith_established": False,
    "fraud_established": False,
    "dates": {"error": "2026-01-10", "regularisation": "2026-02-01"},
}


@pytest.fixture
def w():
    return world()


def test_a_draft_submitted_twice_makes_one_case(w, django_capture_on_commit_callbacks):
    """Submitting the same draft again (double click, back and resubmit) returns the case
    already created: one case, one receipt."""
    draft = services.draft_for("secret-du-brouillon")
    from tests.cases.factories import declaration

    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.case_submit(draft=draft, declaration=declaration(w.procedure))
        second, created_again = services.case_submit(
            draft=services.draft_for("secret-du-brouillon"), declaration=declaration(w.procedure)
        )
    assert created
    assert not created_again
    assert first == second
    assert Case.objects.count() == 1
    assert len(mail.outbox) == 1
    assert first.reference in mail.outbox[0].subject
    assert services.tracking_secret(first) in mail.outbox[0].body
    assert Draft.objects.get().data == {}  # what was typed now lives in the case


def test_reference_is_readable_and_not_sequential(w):
    """References read like BF-XXXX-XXXX, without the letters I, L, O, U."""
    references = {submit(w.procedure).reference for _ in range(5)}
    assert len(references) == 5
    for reference in references:
        assert len(reference) == 12
        assert reference.startswith("BF-")
        assert reference[7] == "-"
        assert not set(reference[3:].replace("-", "")) & set("ILOU")


@pytest.mark.parametrize(
    ("postal_code", "expected"),
    [("30900", "gard"), ("57100", "moselle"), ("13001", "network")],
)
def test_routing_by_postal_code(w, postal_code, expected):
    """A declaration goes to the administration of the person's département under the
    procedure's owner, else to the owner itself."""
    case = submit(w.procedure, postal_code=postal_code)
    assert case.structure == getattr(w, expected)


def test_tracking_link_opens_the_case_and_can_be_renewed(w):
    """The tracking secret opens its case only; renewing it revokes the old link."""
    case = submit(w.procedure)
    secret = services.tracking_secret(case)
    assert services.case_by_tracking(case.reference, secret) == case
    altered = secret[:-1] + ("1" if secret.endswith("0") else "0")
    assert services.case_by_tracking(case.reference, altered) is None
    other = submit(w.procedure)
    assert services.case_by_tracking(other.reference, secret) is None
    services.case_renew_tracking(case)
    case.refresh_from_db()
    assert services.case_by_tracking(case.reference, secret) is None
    assert services.case_by_tracking(case.reference, services.tracking_secret(case)) == case


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"declared_on": date(2099, 1, 1)}, "declared_on"),
        ({"administration_asked": True}, "letter_date"),
        ({"letter_date": date(2026, 1, 5)}, "administration_asked"),
        (
            {"administration_asked": True, "letter_date": past(10), "letter_deadline": past(20)},
            "letter_deadline",
        ),
        ({"identifier_kind": "nir", "identifier": "1 85 05 78 006 084 99"}, "identifier"),
        ({"identifier_kind": "caf_allocataire", "identifier": "12AB"}, "identifier"),
    ],
)
def test_declaration_invariants(w, overrides, field):
    """Incoherent declarations are refused field by field, in French, and no case is made."""
    with pytest.raises(ValidationError) as error:
        submit(w.procedure, **overrides)
    assert field in error.value.message_dict
    assert Case.objects.count() == 0


def test_identifier_is_compacted_and_hashed_per_network(w):
    """The identifier is kept compact in its case; its keyed hash is the same for the same
    number in one network and never contains the number."""
    first = submit(w.procedure, identifier_kind="nir", identifier="2 95 10 99 126 111 93")
    second = submit(w.procedure, identifier_kind="nir", identifier="295109912611193")
    assert first.identifier == "295109912611193"
    assert first.identifier_hmac == second.identifier_hmac
    assert "295109912611193" not in first.identifier_hmac
    other_network = world()
    third = submit(other_network.procedure, identifier_kind="nir", identifier="295109912611193")
    assert third.identifier_hmac != first.identifier_hmac


# --- state machine -------------------------------------------------------------------------


def test_full_path_take_invite_answer_decide_close(w, django_capture_on_commit_callbacks):
    """submitted → in review → awaiting the person → (answer) in review → decided → closed,
    each step an event; the person is e-mailed at each step that concerns them."""
    agent = agent_in(w.gard)
    case = submit(w.procedure)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_take(case=case, user=agent, expected_version=case.version)
        invitation = services.case_invite(
            case=case,
            user=agent,
            requested="Envoyez votre bulletin de salaire du trimestre.",
            rule="P30D",
            expected_version=case.version,
        )
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_PERSON
    assert invitation.deadline.strftime("%Y") in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.case_person_answer(case=case, body="Voici le bulletin.", files=[], limit=10)
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    decision = services.case_decide(
        case=case,
        user=agent,
        data=services.DecisionInput(
            outcome=Outcome.GRANTED,
            situation=GRANTED_SITUATION,
            motivation="Erreur matérielle corrigée de vous-même.",
        ),
        expected_version=case.version,
    )
    assert decision.follows_engine
    assert decision.engine_applies is True
    assert decision.engine["articles"]
    case.refresh_from_db()
    services.case_close(case=case, user=agent, expected_version=case.version)
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.SUBMITTED,
        EventKind.TAKEN,
        EventKind.INVITATION,
        EventKind.PERSON_MESSAGE,
        EventKind.DECIDED,
        EventKind.CLOSED,
    ]


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("invite", CaseState.SUBMITTED),
        ("close", CaseState.SUBMITTED),
        ("take", CaseState.IN_REVIEW),
        ("close", CaseState.IN_REVIEW),
    ],
)
def test_actions_outside_the_state_machine_are_refused(w, action, state):
    """An action the current state does not allow is refused with the state named."""
    agent = agent_in(w.gard)
    case = submit(w.procedure)
    if state == CaseState.IN_REVIEW:
        case = services.case_take(case=case, user=agent, expected_version=None)
    calls = {
        "invite": lambda: services.case_invite(
            case=case, user=agent, requested="x", rule="P30D", expected_version=None
        ),
        "close": lambda: services.case_close(case=case, user=agent, expected_version=None),
        "take": lambda: services.case_take(case=case, user=agent, expected_version=None),
    }
    with pytest.raises(ValidationError, match="Action impossible"):
        calls[action]()


def test_second_agent_acting_on_a_stale_page_gets_a_clear_conflict(w):
    """Two agents loaded version 1; the first takes the case, the second's action is refused
    with a French message and changes nothing."""
    first, second = agent_in(w.gard), agent_in(w.gard)
    case = submit(w.procedure)
    seen = case.version
    services.case_take(case=case, user=first, expected_version=seen)
    with pytest.raises(services.CaseConflict, match="modifié par quelqu'un d'autre"):
        services.case_message(case=case, user=second, body="Bonjour", expected_version=seen)
    assert not CaseEvent.objects.filter(kind=EventKind.MESSAGE_TO_PERSON).exists()


def test_agents_outside_the_subtree_cannot_act(w):
    """A Moselle agent cannot take a Gard case; an editor of the Gard has no case rights."""
    case = submit(w.procedure)
    with pytest.raises(PermissionDenied):
        services.case_take(case=case, user=agent_in(w.moselle), expected_version=None)
    with pytest.raises(PermissionDenied):
        services.case_take(case=case, user=agent_in(w.gard, Role.EDITOR), expected_version=None)
    network_agent = national_agent(w)
    assert services.case_take(case=case, user=network_agent, expected_version=None)


def test_invitation_deadline_comes_from_the_calendar(w, monkeypatch):
    """Sent on Friday 10 April 2026, a 30-day invitation would end on Sunday 10 May: it ends
    on Monday 11 May 2026, and the message says why."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2026, 4, 10))
    agent = agent_in(w.gard)
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    invitation = services.case_invite(
        case=case, user=agent, requested="Corrigez.", rule="P30D", expected_version=None
    )
    assert invitation.deadline == date(2026, 5, 11)
    assert "11 mai 2026" in invitation.event.body
    assert invitation.deadline_reasons


def test_bad_faith_needs_a_written_statement_of_evidence(w):
    """Bad faith cannot be recorded without evidence; with it, the engine is told."""
    agent = agent_in(w.gard)
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    data = services.DecisionInput(
        outcome=Outcome.BAD_FAITH, situation=GRANTED_SITUATION, motivation="Motifs."
    )
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=case, user=agent, data=data, expected_version=None)
    assert "evidence" in error.value.message_dict
    data.evidence = "Trois relances écrites restées sans réponse, déclarations contradictoires."
    decision = services.case_decide(case=case, user=agent, data=data, expected_version=None)
    assert decision.situation["bad_faith_established"] is True
    assert decision.engine_applies is False
    assert decision.follows_engine


def test_deviation_from_the_engine_needs_a_reason(w):
    """Refusing what the engine grants requires a written reason, kept with the decision."""
    agent = agent_in(w.gard)
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    data = services.DecisionInput(
        outcome=Outcome.NOT_APPLICABLE, situation=GRANTED_SITUATION, motivation="Motifs."
    )
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=case, user=agent, data=data, expected_version=None)
    assert "deviation_reason" in error.value.message_dict
    data.deviation_reason = "La régularisation est incomplète : le trimestre suivant manque."
    decision = services.case_decide(case=case, user=agent, data=data, expected_version=None)
    assert not decision.follows_engine
    assert decision.deviation_reason.startswith("La régularisation")


def test_invalid_situation_is_reported_by_field(w):
    """A situation the engine cannot read comes back as field errors, nothing recorded."""
    agent = agent_in(w.gard)
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    data = services.DecisionInput(
        outcome=Outcome.GRANTED,
        situation={**GRANTED_SITUATION, "error_kind": "oubli"},
        motivation="Motifs.",
    )
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=case, user=agent, data=data, expected_version=None)
    assert "situation.error_kind" in error.value.message_dict
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW


def test_redirect_moves_the_case_out_of_reach(w):
    """A redirected case starts again in the other structure; the first one loses access."""
    gard_agent, moselle_agent = agent_in(w.gard), agent_in(w.moselle)
    case = services.case_take(case=submit(w.procedure), user=gard_agent, expected_version=None)
    services.case_redirect(
        case=case,
        user=gard_agent,
        to=w.moselle,
        reason="La personne habite en Moselle depuis janvier.",
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.structure == w.moselle
    assert case.state == CaseState.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.case_message(case=case, user=gard_agent, body="x", expected_version=None)
    assert services.case_take(case=case, user=moselle_agent, expected_version=None)
    assert "Moselle depuis janvier" in case.events.get(kind=EventKind.REDIRECTED).body


def test_prior_outcomes_for_the_same_identifier(w):
    """The agent sees earlier decisions for the same identifier in the network (not others),
    with the reference only when they may open that case."""
    from bonnefoi.cases.selectors import prior_outcomes

    gard_agent, moselle_agent = agent_in(w.gard), agent_in(w.moselle)
    earlier = submit(
        w.procedure, postal_code="57000", identifier_kind="caf_allocataire", identifier="1234567"
    )
    earlier = services.case_take(case=earlier, user=moselle_agent, expected_version=None)
    services.case_decide(
        case=earlier,
        user=moselle_agent,
        data=services.DecisionInput(
            outcome=Outcome.GRANTED, situation=GRANTED_SITUATION, motivation="Motifs."
        ),
        expected_version=None,
    )
    submit(w.procedure, identifier_kind="caf_allocataire", identifier="7654321")
    current = submit(w.procedure, identifier_kind="caf_allocataire", identifier="123 45 67")
    found = prior_outcomes(current, gard_agent)
    assert [(p.outcome, p.structure_name, p.reference) for p in found] == [
        (Outcome.GRANTED, "CAF de la Moselle", None)
    ]
    assert prior_outcomes(current, national_agent(w))[0].reference == earlier.reference


def test_a_redirect_to_another_network_rehashes_the_identifier(w):
    """The identifier's keyed hash is per network: a case moved from a CAF to another network
    gets that network's hash, so the new network never sees the CAF's earlier decisions, and
    its own "first time?" check works."""
    agent = agent_in(w.gard)
    case = submit(w.procedure, identifier_kind="caf_allocataire", identifier="1234567")
    caf_hash = case.identifier_hmac
    other = world()
    services.case_redirect(
        case=case,
        user=agent,
        to=other.gard,
        reason="Relève de l'autre organisme.",
        expected_version=None,
    )
    case.refresh_from_db()
    assert case.identifier_hmac != caf_hash
    there = submit(other.procedure, identifier_kind="caf_allocataire", identifier="1234567")
    assert case.identifier_hmac == there.identifier_hmac
    services.case_redirect(
        case=there,
        user=agent_in(other.gard),
        to=other.moselle,
        reason="Déménagement.",
        expected_version=None,
    )
    there.refresh_from_db()
    assert there.identifier_hmac == case.identifier_hmac  # same network: unchanged
