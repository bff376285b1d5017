"""Demo correction cases: loaded by load_demo through the services, idempotent, in every state,
and workable by the demo agents in the back office."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from bonnefoi.accounts.models import User
from bonnefoi.cases.demo import load_demo_cases
from bonnefoi.cases.models import Case, CaseState, Decision, EventKind
from bonnefoi.cases.selectors import prior_outcomes

pytestmark = pytest.mark.django_db


def test_demo_cases_are_loaded_once_in_every_state(client):
    """About fifteen cases on catalogue procedures, in every state, one redirected, one
    decided for an identifier that comes back; a second load creates nothing; the Nîmes agent
    sees the Gard's cases in the queue."""
    call_command("load_demo", "--force", stdout=StringIO())
    count = Case.objects.count()
    assert count >= 15
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(CaseState.values)
    assert Decision.objects.exists()
    assert Case.objects.filter(events__kind=EventKind.REDIRECTED).exists()
    assert Case.objects.exclude(entry=None).exists()
    assert Case.objects.exclude(other_error_label="").exists()
    assert load_demo_cases() == []
    assert Case.objects.count() == count
    agent = User.objects.get(email="agent.nimes@demo.bonnefoi.test")
    again = Case.objects.get(state=CaseState.IN_REVIEW, identifier="1234567")
    assert [p.outcome for p in prior_outcomes(again, agent)] == ["granted"]
    client.force_login(agent)
    html = client.get(reverse("cases_backoffice:queue"), {"en_retard": "on"}).content.decode()
    assert "En retard</span>" in html
