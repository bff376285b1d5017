"""Training demo data: loaded by load_demo, idempotent, and giving the coverage page content."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bonnefoi.structures.models import Structure
from bonnefoi.training.demo import load_demo_training
from bonnefoi.training.models import Completion
from bonnefoi.training.selectors import coverage

pytestmark = pytest.mark.django_db


def test_demo_training_is_loaded_once_and_shows_overdue_refreshers():
    """After load_demo, the CAF du Gard has trained agents, managers and two overdue
    refreshers (Nîmes, Alès); a second load creates nothing."""
    call_command("load_demo", "--force", stdout=StringIO())
    count = Completion.objects.count()
    assert count == 10
    assert load_demo_training() == []
    assert Completion.objects.count() == count
    result = coverage(Structure.objects.get(sp_code="DEMO-CAF30"), timezone.localdate())
    assert result["overdue_refreshers"] == 2
    assert result["managers"] == 2
    rows = {row["code"]: row for row in result["modules"]}
    assert rows["incivilites"]["front_line"]["trained"] == 2
