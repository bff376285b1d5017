"""`manage.py observatory_refresh`: rebuilds the aggregates (or only says what it would do)
and reports in French."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from bonnefoi.observatory.models import CaseCount, RefreshRun
from tests.advice.factories import ProcedureFactory
from tests.observatory.factories import case_row, local
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    network = StructureFactory()
    gard = StructureFactory(kind="administration", parent=network)
    day = timezone.localdate() - dt.timedelta(days=3)
    return case_row(structure=gard, procedure=ProcedureFactory(), submitted=local(day))


def test_dry_run_lists_the_days_and_writes_nothing(case):
    """--dry-run names the days it would recount and leaves every table as it was."""
    out = StringIO()
    call_command("observatory_refresh", "--dry-run", stdout=out)
    assert "cases : " in out.getvalue()
    assert "day " in out.getvalue()
    assert not CaseCount.objects.exists()
    assert not RefreshRun.objects.exists()


def test_refresh_counts_the_cases_and_reports_in_french(case):
    """The first run is complete, counts the case in the country, and says what it did; the
    next one is incremental and recounts nothing."""
    out = StringIO()
    call_command("observatory_refresh", stdout=out)
    assert "Calcul complet" in out.getvalue()
    national = CaseCount.objects.filter(scope_key=0, period="month")
    assert national.aggregate(n=Sum("received"))["n"] == 1
    out = StringIO()
    call_command("observatory_refresh", stdout=out)
    assert "Calcul incrémental : 0 jour(s) de dossiers" in out.getvalue()
