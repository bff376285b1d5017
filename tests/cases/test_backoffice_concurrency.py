"""Two agents deciding the same case at once, through the back office, on PostgreSQL."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from bonnefoi.cases.agent_forms import field_name, flatten
from bonnefoi.cases.models import CaseEvent, CaseState, Decision, EventKind
from tests.cases.factories import agent_in, in_review, world
from tests.cases.test_services import GRANTED_SITUATION

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (SELECT … FOR UPDATE is ignored) and serialises writers: "
    "the race between two agents is only meaningful on PostgreSQL (scripts/with-postgres.sh).",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_agents_deciding_at_once_one_wins_the_other_gets_the_conflict_message():
    """Both agents load the decision page at version N (a barrier holds them until both
    have), then both record a decision at the same moment, each on its own database
    connection: exactly one decision is recorded; the other agent gets the French conflict
    message (409) and the case as it is now."""
    w = world()
    first, second = agent_in(w.gard), agent_in(w.gard)
    case = in_review(w.procedure, first)
    url = reverse("cases_backoffice:decide", kwargs={"reference": case.reference})
    situation = {field_name(f): v for f, v in flatten(GRANTED_SITUATION).items()}
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def decide_as(name, user, motivation):
        try:
            client = Client()
            client.force_login(user)
            page = client.get(url)
            version = page.context["decision_form"]["version"].value()
            barrier.wait()
            results[name] = client.post(
                url,
                {
                    "version": version,
                    "action": "record",
                    "outcome": "granted",
                    "motivation": motivation,
                    **situation,
                },
            )
        except Exception as error:  # reported by the main thread
            results[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide_as, args=("first", first, "Motivation de l'agent 1.")),
        threading.Thread(target=decide_as, args=("second", second, "Motivation de l'agent 2.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for name, result in results.items():
        assert not isinstance(result, Exception), f"{name}: {result!r}"
    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [302, 409]
    loser = next(r for r in results.values() if r.status_code == 409)
    html = loser.content.decode()
    assert "modifié par quelqu&#x27;un d&#x27;autre" in html
    assert "« Décidé »" in html
    assert Decision.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DECIDED).count() == 1
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    # What the losing agent typed is given back to them.
    winner_text = Decision.objects.get(case=case).motivation
    loser_text = (
        "Motivation de l'agent 2." if winner_text.endswith("1.") else "Motivation de l'agent 1."
    )
    assert loser_text.replace("'", "&#x27;") in html


@pytest.mark.django_db
def test_a_stale_decision_after_a_colleague_decided_is_a_conflict_not_a_refusal(client):
    """Deciding from a page loaded before a colleague decided gives the conflict message (409),
    not "forbidden", although the case can no longer be decided (runs on every database)."""
    from bonnefoi.cases import services

    w = world()
    first, second = agent_in(w.gard), agent_in(w.gard)
    case = in_review(w.procedure, first)
    stale = case.version
    services.case_decide(
        case=case,
        user=first,
        data=services.DecisionInput(
            outcome="granted", situation=GRANTED_SITUATION, motivation="Motifs."
        ),
        expected_version=stale,
    )
    client.force_login(second)
    url = reverse("cases_backoffice:decide", kwargs={"reference": case.reference})
    data = {field_name(f): v for f, v in flatten(GRANTED_SITUATION).items()}
    response = client.post(
        url,
        {"version": stale, "action": "record", "outcome": "granted", "motivation": "Tard.", **data},
    )
    assert response.status_code == 409
    assert "Tard." in response.content.decode()
    assert response.context["can_decide"] is False
    assert Decision.objects.filter(case=case).count() == 1
    with pytest.raises(services.CaseConflict):
        services.case_message(case=case, user=second, body="x", expected_version=stale)
    # Someone without rights on the case still gets a refusal, never news of its changes.
    with pytest.raises(PermissionDenied):
        services.case_message(case=case, user=agent_in(w.moselle), body="x", expected_version=stale)
