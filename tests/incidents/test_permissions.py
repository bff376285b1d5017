"""The permission matrix of the compartment: role x structure x action, pages and exports.

Who reads a report: its reporter and the incident officers of its structure's subtree. Who
follows it up: those officers, never on their own report. Who sees statistics: officers,
quality managers and administrators, for their subtree. Everyone else: 404 on a report (its
existence is not revealed) and 403 on statistics. A superuser gets no bypass on reports.
"""

import pytest
from django.urls import reverse

from bonnefoi.core.models import AuditLogEntry
from bonnefoi.incidents.abilities import report_abilities
from bonnefoi.incidents.models import IncidentReport, Status

pytestmark = pytest.mark.django_db

# who: (reads the report, follows it up, sees statistics, may file a report)
MATRIX = {
    "reporter": (True, False, False, True),
    "officer": (True, True, True, True),
    "site_officer": (True, True, True, True),
    "other_officer": (False, False, True, True),
    "quality_manager": (False, False, True, True),
    "administrator": (False, False, True, True),
    "national_administrator": (False, False, True, True),
    "colleague": (False, False, False, True),
    "agent_elsewhere": (False, False, False, True),
    "superuser": (False, False, True, False),
    "no_role": (False, False, False, False),
}
WHO = sorted(MATRIX)


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", WHO)
def test_report_abilities_follow_the_matrix(people, report, who):
    """report_abilities grants view and handling exactly as the matrix says."""
    user = getattr(people, who)
    reads, handles, _stats, _files = MATRIX[who]
    abilities = report_abilities(user, report)
    assert abilities["view"] is reads
    assert abilities["acknowledge"] is handles
    assert abilities["handle"] is handles


@pytest.mark.parametrize("who", WHO)
def test_report_page_opens_only_for_reporter_and_officers(client, people, report, who):
    """The report page answers 200 to its readers, 404 to everyone else (no leak of its
    existence), and shows the narrative only to its readers."""
    reads, *_ = MATRIX[who]
    response = _client(client, getattr(people, who)).get(
        reverse("incidents:detail", args=[report.pk])
    )
    assert response.status_code == (200 if reads else 404)
    assert (report.narrative in response.content.decode()) is reads


@pytest.mark.parametrize("who", WHO)
def test_every_read_of_a_report_is_audited(client, people, report, who):
    """Each opening of a report by a reader adds one audit entry naming the reader."""
    reads, *_ = MATRIX[who]
    user = getattr(people, who)
    _client(client, user).get(reverse("incidents:detail", args=[report.pk]))
    entries = AuditLogEntry.objects.filter(action="incidents.report.read", object_id=str(report.pk))
    assert entries.count() == (1 if reads else 0)
    if reads:
        assert entries.get().actor == user


@pytest.mark.parametrize("who", WHO)
def test_report_list_shows_a_report_only_to_its_readers(client, people, report, who):
    """The list page links to the report for its readers only."""
    reads, *_ = MATRIX[who]
    response = _client(client, getattr(people, who)).get(reverse("incidents:list"))
    assert response.status_code == 200
    link = reverse("incidents:detail", args=[report.pk])
    assert (link in response.content.decode()) is reads
    assert report.narrative not in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_follow_up_steps_are_for_officers_of_the_subtree(client, people, report, who):
    """Acknowledging: officers of the subtree succeed (302); the reporter gets 403 (they read
    their report but do not handle it); anyone who cannot read the report gets 404."""
    reads, handles, *_ = MATRIX[who]
    response = _client(client, getattr(people, who)).post(
        reverse("incidents:step", args=[report.pk, "prise-en-compte"]),
        {"prise-en-compte-happened_on": report.occurred_at.date().isoformat()},
    )
    expected = 302 if handles else (403 if reads else 404)
    assert response.status_code == expected
    report.refresh_from_db()
    assert (report.status == Status.ACKNOWLEDGED) is handles


@pytest.mark.parametrize("who", WHO)
def test_statistics_page_and_csv_export_follow_the_matrix(client, people, report, who):
    """Statistics page and CSV export: 200 for officers, quality managers, administrators and
    superusers; 403 for plain agents and accounts without a role. Never the narrative."""
    _reads, _handles, stats, _files = MATRIX[who]
    logged = _client(client, getattr(people, who))
    for name in ("incidents:statistics", "incidents:statistics_csv"):
        response = logged.get(reverse(name))
        assert response.status_code == (200 if stats else 403), name
        assert report.narrative not in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_report_form_is_for_agents(client, people, who):
    """Any agent (agent profile or any role) may open the report form; others get 403."""
    *_rest, files = MATRIX[who]
    response = _client(client, getattr(people, who)).get(reverse("incidents:new"))
    assert response.status_code == (200 if files else 403)


@pytest.mark.parametrize(
    ("who", "structure", "allowed"),
    [
        ("officer", "gard", True),
        ("officer", "nimes", True),
        ("officer", "moselle", False),
        ("other_officer", "moselle", True),
        ("other_officer", "gard", False),
        ("quality_manager", "gard_service", True),
        ("quality_manager", "network", False),
        ("administrator", "other_network", False),
        ("national_administrator", "network", True),
        ("national_administrator", "other_network", False),
        ("superuser", "other_network", True),
    ],
)
def test_statistics_stay_within_the_subtree(client, world, people, who, structure, allowed):
    """Statistics and their export open only on a structure of the user's subtree; another
    structure is refused with a French message (400), page and CSV alike."""
    logged = _client(client, getattr(people, who))
    query = {"structure": getattr(world, structure).pk, "year": 2026, "period": "month"}
    page = logged.get(reverse("incidents:statistics"), query)
    export = logged.get(reverse("incidents:statistics_csv"), query)
    assert page.status_code == export.status_code == (200 if allowed else 400)
    if not allowed:
        assert "Choisissez une structure de votre périmètre." in export.content.decode()


def test_officer_does_not_handle_their_own_report(client, world, people):
    """An officer who files a report reads it as its reporter and cannot follow it up."""
    from tests.incidents.factories import IncidentReportFactory

    own = IncidentReportFactory(structure=world.nimes, reporter=people.officer)
    abilities = report_abilities(people.officer, own)
    assert abilities["view"]
    assert abilities["view_as_reporter"]
    assert not abilities["acknowledge"]
    response = _client(client, people.officer).post(
        reverse("incidents:step", args=[own.pk, "prise-en-compte"]),
        {"prise-en-compte-happened_on": own.occurred_at.date().isoformat()},
    )
    assert response.status_code == 403
    assert IncidentReport.objects.get(pk=own.pk).status == Status.REPORTED


def test_withdrawn_officer_role_closes_the_compartment(client, world, people, report):
    """An officer whose role is withdrawn no longer reads the reports (404)."""
    people.officer.memberships.update(is_active=False)
    response = _client(client, people.officer).get(reverse("incidents:detail", args=[report.pk]))
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, report):
    """Every page of the compartment requires signing in."""
    for url in (
        reverse("incidents:list"),
        reverse("incidents:detail", args=[report.pk]),
        reverse("incidents:statistics_csv"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/connexion/" in response["Location"]
