"""The observatory demo loaded by `manage.py load_demo`: a plan with a completed action whose
impact is measured per 1,000 filings, an action in progress, and a spike alert."""

from io import StringIO

import pytest
from django.core.management import call_command

from bonnefoi.observatory.demo import BEFORE, PLAN_TITLE, SPIKE_ENTRY
from bonnefoi.observatory.impact import PER_1000_FILINGS, action_impact
from bonnefoi.observatory.models import ActionPlan, ActionStatus, SpikeAlert

pytestmark = pytest.mark.django_db


def test_demo_shows_an_impact_and_an_alert():
    """After load_demo, the demo plan's completed action has a full 8-week impact on the
    per-1,000-filings basis resting on the demo cases, and the spike alert exists."""
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    assert "alerte de hausse" in out.getvalue()
    plan = ActionPlan.objects.get(title=PLAN_TITLE)
    assert sorted(plan.actions.values_list("status", flat=True)) == sorted(
        [ActionStatus.DONE, ActionStatus.IN_PROGRESS]
    )
    done = plan.actions.get(status=ActionStatus.DONE)
    assert done.public_summary
    impact = action_impact(done)
    assert impact.measurable
    assert not impact.provisional
    assert impact.basis == PER_1000_FILINGS
    assert impact.cases_before == sum(BEFORE)
    assert impact.change_percent < 0
    assert SpikeAlert.objects.filter(entry__slug=SPIKE_ENTRY).count() == 1
