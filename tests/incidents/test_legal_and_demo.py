"""Legal references as data, and the demo data of the compartment."""

from io import StringIO

import pytest
from django.core.management import call_command

from bonnefoi.accounts.models import Membership, Role
from bonnefoi.incidents import demo
from bonnefoi.incidents.legal import legal_references
from bonnefoi.incidents.models import EVENT_REFERENCES, IncidentReport, Status


def test_every_cited_reference_exists_with_a_link():
    """Every key a timeline step cites is in references.toml, with an https link, a code and
    an article."""
    references = legal_references()
    for keys in EVENT_REFERENCES.values():
        for key in keys:
            reference = references[key]
            assert reference.url.startswith("https://")
            assert reference.code
            assert reference.article
            assert reference.summary


def test_protection_fonctionnelle_cites_the_cgfp_with_its_version_date():
    """CGFP L134-1 to L134-12 and L134-5: Légifrance links and the 1 March 2022 version."""
    references = legal_references()
    for key in ("cgfp-l134-1-a-l134-12", "cgfp-l134-5"):
        assert references[key].url.startswith("https://www.legifrance.gouv.fr/")
        assert references[key].version_date.isoformat() == "2022-03-01"
    assert references["cgfp-l134-5"].unverified is False


def test_facts_marked_m_in_the_brief_are_flagged_unverified():
    """The LOPMI complaint by the administration is [M] in the brief: flagged, with a note."""
    lopmi = legal_references()["loi-2023-22-plainte-employeur"]
    assert lopmi.unverified is True
    assert "[M]" in lopmi.note
    for reference in legal_references().values():
        assert not reference.unverified or reference.note, reference.key


@pytest.mark.django_db
def test_demo_creates_an_officer_and_reports_once():
    """load_demo adds the incident officer (printed with the other logins) and a dozen reports
    at the CAF du Gard sites, some followed up; a second run adds nothing."""
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    assert demo.OFFICER_EMAIL in out.getvalue()
    assert "Référent incivilités" in out.getvalue()
    assert Membership.objects.filter(
        user__email=demo.OFFICER_EMAIL, role=Role.INCIDENT_OFFICER
    ).exists()
    count = IncidentReport.objects.count()
    assert count == len(demo.REPORTS)
    assert IncidentReport.objects.filter(status=Status.CLOSED).count() == 1
    assert IncidentReport.objects.filter(status=Status.ACKNOWLEDGED).exists()
    call_command("load_demo", "--force", stdout=StringIO())
    assert IncidentReport.objects.count() == count
