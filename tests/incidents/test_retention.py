"""`manage.py purge_incident_reports`: closed reports leave after the retention period."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bonnefoi.core.models import AuditLogEntry
from bonnefoi.incidents import services
from bonnefoi.incidents.models import IncidentEvent, IncidentReport
from tests.incidents.factories import IncidentReportFactory

pytestmark = pytest.mark.django_db

ANSWER = "Réponse écrite à l'agent après entretien et plainte."


def closed_report(world, people, days_ago: int):
    report = IncidentReportFactory(structure=world.nimes, reporter=people.reporter)
    services.incident_report_acknowledge(report=report, actor=people.officer)
    services.incident_report_close(report=report, actor=people.officer, answer=ANSWER)
    IncidentReport.objects.filter(pk=report.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return report


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_incident_reports", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def reports(world, people):
    return {
        "old": closed_report(world, people, days_ago=400),
        "recent": closed_report(world, people, days_ago=10),
        "open": IncidentReportFactory(structure=world.nimes, reporter=people.reporter),
    }


def test_dry_run_counts_without_deleting(reports):
    """--dry-run says how many would go and deletes nothing."""
    output = purge("--dry-run", "--days", "365")
    assert "Simulation : 1 signalement(s)" in output
    assert IncidentReport.objects.count() == 3


def test_purge_deletes_closed_reports_past_retention_with_their_timeline(reports):
    """Only the report closed 400 days ago goes (with its events); the recently closed and the
    open one stay; the purge is audited with ids only."""
    output = purge("--days", "365")
    assert "1 signalement(s) clos depuis plus de 365 jours supprimé(s)." in output
    assert set(IncidentReport.objects.values_list("pk", flat=True)) == {
        reports["recent"].pk,
        reports["open"].pk,
    }
    assert not IncidentEvent.objects.filter(report_id=reports["old"].pk).exists()
    entry = AuditLogEntry.objects.get(action="incidents.report.purged")
    assert entry.details["reports"] == [reports["old"].pk]


def test_retention_comes_from_the_setting(settings, reports):
    """Without --days, INCIDENTS_RETENTION_DAYS applies."""
    settings.INCIDENTS_RETENTION_DAYS = 5
    purge()
    assert set(IncidentReport.objects.values_list("pk", flat=True)) == {reports["open"].pk}


def test_open_reports_are_never_purged(world, people):
    """A report never closed stays, however old."""
    report = IncidentReportFactory(structure=world.nimes, reporter=people.reporter)
    IncidentReport.objects.filter(pk=report.pk).update(
        occurred_at=timezone.now() - dt.timedelta(days=5000)
    )
    purge("--days", "1")
    assert IncidentReport.objects.filter(pk=report.pk).exists()


def test_a_retention_below_one_day_is_refused(reports):
    """--days 0 is refused: it would delete every closed report."""
    with pytest.raises(CommandError, match="au moins un jour"):
        purge("--days", "0")
