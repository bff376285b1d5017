"""Yearly reception report of a site: content of the four parts against hand-built records,
the minimum cell size on small sites, who may read it (page and PDF), the tagged PDF, the audit
of every read, the year field."""

import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.incidents.models import Category, Channel, Gravity
from bonnefoi.reception import report
from bonnefoi.reception.services import ResultInput, corrective_action_create
from bonnefoi.reception.views_report import report_document, report_pdf
from bonnefoi.structures.kit import document_text
from bonnefoi.structures.models import Agent
from bonnefoi.training.catalogue import sync_platform_modules
from bonnefoi.training.models import TrainingModule
from tests.accounts.factories import UserFactory
from tests.incidents.factories import IncidentReportFactory
from tests.reception.factories import record_audit
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory
from tests.training.factories import CompletionFactory

NARRATIVE = "Récit confidentiel : l'usager a menacé Mme Secrète au guichet."


def text(response) -> str:
    return html.unescape(response.content.decode())


def table_cell(page: str, row_label: str) -> str:
    """The text of the cell that follows the row header ``row_label`` in a report table."""
    match = re.search(re.escape(row_label) + r"\s*</th>\s*<td>(.*?)</td>", page, flags=re.DOTALL)
    assert match, f"Ligne absente : {row_label}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def year() -> int:
    """Last year: a closed year, whose reference date is its 31 December."""
    return timezone.localdate().year - 1


def _backdate_agents(year: int) -> None:
    """Agents count from their creation: make every agent exist from 1 January of ``year``."""
    start = dt.datetime(year, 1, 1, 9, tzinfo=timezone.get_current_timezone())
    Agent.objects.update(created_at=start)


def _incident(*, structure, reporter, year: int, **fields):
    moment = dt.datetime(year, 5, 12, 10, tzinfo=timezone.get_current_timezone())
    return IncidentReportFactory(
        structure=structure, reporter=reporter, occurred_at=moment, narrative=NARRATIVE, **fields
    )


@pytest.fixture
def nimes_year(tree, member, current, year):
    """A full year at Nîmes: one audit with two failed criteria and an overdue action owned by
    an agent under an anonymity exception; training completions; five incidents; agents
    complete, anonymous and incomplete (enough of each to be published at threshold 2)."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    complete = [
        AgentFactory(structure=tree.nimes, first_name="Claire", last_name=f"Visible{i}")
        for i in range(3)
    ]
    protected = [
        AgentFactory(structure=tree.nimes, first_name="Paul", last_name=f"Protégé{i}")
        for i in range(2)
    ]
    for agent in protected:
        AnonymityExceptionFactory(
            agent=agent, valid_from=dt.date(year, 2, 1), valid_until=dt.date(year + 1, 6, 30)
        )
    incomplete = [
        AgentFactory(structure=tree.nimes),
        AgentFactory(structure=tree.nimes, first_name="Jeanne", last_name="Sansprénom"),
    ]
    # The services refuse these; rows imported or created before the checks may hold them.
    Agent.objects.filter(pk=incomplete[0].pk).update(position="")
    Agent.objects.filter(pk=incomplete[1].pk).update(first_name=" ")
    complete[2].manager, complete[2].front_line = True, False
    complete[2].save(update_fields=["manager", "front_line"])
    _backdate_agents(year)

    audit = record_audit(
        actor=quality,
        site=tree.nimes,
        checklist=current,
        visited_on=dt.date(year, 6, 15),
        toilets=ResultInput("not_met", "Fermées pour travaux."),
        seating=ResultInput("partly_met", "Trois sièges pour vingt personnes."),
    )
    corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes du rez-de-chaussée.",
        owner=protected[0],
        due_on=dt.date(year, 9, 1),
    )

    sync_platform_modules(TrainingModule)
    mandatory = list(TrainingModule.objects.filter(mandatory=True, owner=None).order_by("title"))
    for module in mandatory:
        CompletionFactory(agent=complete[0], module=module, completed_on=dt.date(year, 3, 1))
    # Taken after 31 December: must not count in the report of ``year``.
    CompletionFactory(agent=complete[1], module=mandatory[0], completed_on=dt.date(year + 1, 1, 2))

    reporter = AgentFactory(structure=tree.gard_service).user  # not an agent of the site
    for _ in range(5):
        _incident(structure=tree.nimes, reporter=reporter, year=year)
    return {
        "quality": quality,
        "protected": protected,
        "complete": complete,
        "mandatory": mandatory,
        "audit": audit,
    }


# --- content ---------------------------------------------------------------------------------


def test_report_gathers_the_four_parts(nimes_year, tree, year, settings):
    """The report of a closed year holds the latest audit with its failed criteria and overdue
    action (owner by pseudonym), the training coverage on 31 December (a later completion does
    not count), the incident counts of the year, and the identification counts by situation."""
    settings.INCIDENTS_MIN_CELL_SIZE = 2
    data = report.site_report(tree.nimes, year)

    assert data["as_of"] == dt.date(year, 12, 31)
    assert data["year_in_progress"] is False

    premises = data["premises"]
    assert premises["has_audit"]
    assert premises["visited_on"] == dt.date(year, 6, 15)
    assert premises["criteria_not_met"] == ["Des toilettes sont ouvertes au public"]
    assert premises["criteria_partly_met"] == ["Des sièges permettent d'attendre assis"]
    assert premises["score"] == nimes_year["audit"].score
    [action] = premises["actions"]
    protected = nimes_year["protected"][0]
    assert action["owner"] == protected.pseudonym
    assert action["owner_position"] == ""  # withheld with the name
    assert action["overdue"] is True
    assert premises["overdue_count"] == 1

    training = data["training"]
    assert (training["front_line_agents"], training["managers"]) == (6, 1)
    front_line = training["populations"][0]
    assert front_line["key"] == "front_line"
    assert [row["trained"] for row in front_line["rows"]] == [1, 1, 1]
    assert [row["total"] for row in front_line["rows"]] == [6, 6, 6]
    assert front_line["rows"][0]["percent"] == 17  # 1 / 6, rounded
    assert training["no_one_trained"] is False

    incidents = data["incidents"]
    assert incidents["total"] == 5
    gravity = {row["key"]: row["count"] for row in incidents["by_gravity"]}
    assert gravity[Gravity.INCIVILITY] == 5
    assert gravity[Gravity.SERIOUS_AGGRESSION] == 0

    identification = data["identification"]
    assert identification["complete"] == 3
    assert identification["anonymous"] == 2
    assert identification["incomplete"] == 2
    assert identification["total"] == 7
    assert identification["complete_percent"] == 43


@pytest.mark.parametrize(
    ("window", "pseudonymous"),
    [
        ("reference_date", True),  # protected on 31 December, named again since
        ("today", True),  # protected since the new year: the report is read today
        ("before", False),  # ended before the reference date and still ended today
    ],
)
def test_action_owner_is_shown_as_the_public_sees_them(
    tree, member, current, year, window, pseudonymous
):
    """The owner of an open corrective action appears by pseudonym when an anonymity exception
    is in force on the reference date or today, by name and position otherwise."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    owner = AgentFactory(structure=tree.ales, first_name="Odile", last_name="Responsable")
    today = timezone.localdate()
    valid_from, valid_until = {
        "reference_date": (dt.date(year, 12, 1), dt.date(year, 12, 31)),
        "today": (dt.date(year + 1, 1, 1), today + dt.timedelta(days=30)),
        "before": (dt.date(year, 1, 1), dt.date(year, 3, 31)),
    }[window]
    AnonymityExceptionFactory(agent=owner, valid_from=valid_from, valid_until=valid_until)
    audit = record_audit(
        actor=quality,
        site=tree.ales,
        checklist=current,
        visited_on=dt.date(year, 4, 2),
        toilets=ResultInput("not_met", "Fermées."),
    )
    corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes.",
        owner=owner,
        due_on=dt.date(year + 2, 1, 1),
    )
    [row] = report.site_report(tree.ales, year)["premises"]["actions"]
    if pseudonymous:
        assert (row["owner"], row["owner_position"]) == (owner.pseudonym, "")
    else:
        assert (row["owner"], row["owner_position"]) == ("Odile Responsable", "Conseiller")
    assert row["overdue"] is False


def test_report_page_shows_counts_and_never_names_or_narratives(nimes_year, tree, year, client):
    """The page shows the audit, the counts and the rules; no incident narrative, and no real
    name of an agent under an anonymity exception, ever appears."""
    client.force_login(nimes_year["quality"])
    response = client.get(reverse("reception:site_report", args=[tree.nimes.pk, year]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = text(response)
    assert "Rouvrir les toilettes du rez-de-chaussée." in page
    assert nimes_year["protected"][0].pseudonym in page
    assert "Protégé" not in page
    assert "Récit confidentiel" not in page
    assert "Secrète" not in page
    assert table_cell(page, "Incivilité") == "5"
    assert "Secret statistique" in page
    assert "quatre canaux" in page


def test_identification_classification_edges(tree, year, settings):
    """Only agents of the site, active and existing on the reference date count; an exception
    expired, revoked or not yet started on that date leaves the agent named."""
    settings.INCIDENTS_MIN_CELL_SIZE = 2
    dec31 = dt.date(year, 12, 31)
    named = [AgentFactory(structure=tree.nimes) for _ in range(2)]
    AnonymityExceptionFactory(
        agent=named[0], valid_from=dt.date(year, 1, 1), valid_until=dt.date(year, 11, 30)
    )
    AnonymityExceptionFactory(
        agent=named[1],
        valid_from=dt.date(year + 1, 1, 1),
        valid_until=dt.date(year + 1, 12, 31),
    )
    revoked = AgentFactory(structure=tree.nimes)
    AnonymityExceptionFactory(
        agent=revoked,
        valid_from=dt.date(year, 1, 1),
        valid_until=dt.date(year + 1, 12, 31),
        revoked_at=timezone.now(),
        revoked_by=UserFactory(),
        revoked_from=dt.date(year, 12, 1),
        revocation_reason="Fin des menaces.",
    )
    inactive = AgentFactory(structure=tree.nimes)
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])
    AgentFactory(structure=tree.ales)  # another site
    _backdate_agents(year)
    AgentFactory(structure=tree.nimes)  # created today: after the reference date

    counts = report.identification_compliance(tree.nimes, dec31)
    assert (counts["complete"], counts["anonymous"], counts["incomplete"]) == (3, 0, 0)
    assert counts["total"] == 3


@pytest.mark.parametrize(
    ("agents", "anonymous", "expected"),
    [
        # 3 agents, 1 protected: "1" would single them out; the 2 named and the total of 3
        # are below the threshold too; only the zero stays.
        (3, 1, {"complete": None, "anonymous": None, "incomplete": 0, "total": None}),
        # 7 agents, 1 protected: 1 is hidden, and the 6 named too (else 7 - 6 = 1).
        (7, 1, {"complete": None, "anonymous": None, "incomplete": 0, "total": 7}),
        # 10 agents, 5 protected: at the threshold, published.
        (10, 5, {"complete": 5, "anonymous": 5, "incomplete": 0, "total": 10}),
        # No one protected: zero is published.
        (6, 0, {"complete": 6, "anonymous": 0, "incomplete": 0, "total": 6}),
    ],
)
def test_identification_counts_apply_the_minimum_cell_size(tree, year, agents, anonymous, expected):
    """The identification counts follow the incident statistics' secret (threshold 5)."""
    for index in range(agents):
        agent = AgentFactory(structure=tree.ales)
        if index < anonymous:
            AnonymityExceptionFactory(
                agent=agent, valid_from=dt.date(year, 1, 1), valid_until=dt.date(year + 1, 1, 1)
            )
    _backdate_agents(year)
    counts = report.identification_compliance(tree.ales, dt.date(year, 12, 31))
    assert {key: counts[key] for key in expected} == expected
    assert counts["min_cell_size"] == 5


def test_small_site_page_hides_the_anonymous_count(tree, member, year, client):
    """On a site of three agents with one under an exception, the page prints the secret mark,
    not "1", in the anonymity row; incidents below the threshold are hidden the same way."""
    quality = member(Role.QUALITY_MANAGER, tree.gard)
    agents = [AgentFactory(structure=tree.ales) for _ in range(3)]
    AnonymityExceptionFactory(
        agent=agents[0], valid_from=dt.date(year, 1, 1), valid_until=dt.date(year + 1, 1, 1)
    )
    _backdate_agents(year)
    reporter = AgentFactory(structure=tree.gard_service).user
    _incident(structure=tree.ales, reporter=reporter, year=year)
    _incident(
        structure=tree.ales,
        reporter=reporter,
        year=year,
        gravity=Gravity.THREAT,
        category=Category.WRITTEN_ONLINE,
        channel=Channel.PHONE,
    )
    client.force_login(quality)
    page = text(client.get(reverse("reception:site_report", args=[tree.ales.pk, year])))
    assert table_cell(page, "Exception d'anonymat en vigueur (article L111-2 du CRPA)") == "s"
    assert table_cell(page, "Identification complète sur les quatre canaux") == "s"
    assert table_cell(page, "Incivilité") == "s"
    assert f"Nombre de signalements en {year}" in page
    assert "aucun nombre compris entre 1 et 4" in page


def test_a_year_without_data_says_so_in_each_part(tree, member, year, client):
    """A site with nothing recorded for the year gets a plain sentence in each of the four
    parts instead of empty tables."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    page = text(client.get(reverse("reception:site_report", args=[tree.ales.pk, year])))
    assert f"Aucun audit des locaux n'a été réalisé sur ce site en {year}." in page
    assert "Aucune action corrective n'est ouverte pour ce site." in page
    assert "Aucun agent de premier accueil ni encadrant n'était enregistré" in page
    assert f"Aucune incivilité n'a été signalée pour ce site en {year}." in page
    assert f"Aucun agent n'était enregistré sur ce site au 31/12/{year}." in page
    assert "<table" not in page


def test_current_year_is_measured_today(tree, member, client):
    """The report of the year in progress says so and takes today as its reference date."""
    today = timezone.localdate()
    data = report.site_report(tree.ales, today.year)
    assert data["as_of"] == today
    assert data["year_in_progress"] is True
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    page = text(client.get(reverse("reception:site_report", args=[tree.ales.pk, today.year])))
    assert f"année {today.year} en cours" in page


# --- who may read ----------------------------------------------------------------------------


def _reader(kind: str, tree, member):
    return {
        "agent_of_site": lambda: AgentFactory(structure=tree.nimes).user,
        "editor": lambda: member(Role.EDITOR, tree.gard),
        "incident_officer": lambda: member(Role.INCIDENT_OFFICER, tree.gard),
        "no_role": lambda: UserFactory(),
        "quality_manager": lambda: member(Role.QUALITY_MANAGER, tree.gard),
        "quality_manager_of_site": lambda: member(Role.QUALITY_MANAGER, tree.nimes),
        "administrator": lambda: member(Role.ADMINISTRATOR, tree.gard),
        "national_administrator": lambda: member(Role.NATIONAL_ADMINISTRATOR, tree.network),
        "quality_manager_elsewhere": lambda: member(Role.QUALITY_MANAGER, tree.moselle),
        "administrator_other_network": lambda: member(
            Role.ADMINISTRATOR, tree.other_administration
        ),
        "superuser": lambda: UserFactory(superuser=True),
    }[kind]()


@pytest.mark.parametrize("output", ["site_report", "site_report_pdf"])
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("agent_of_site", 403),
        ("editor", 403),
        ("incident_officer", 403),  # statistics, but not the training coverage
        ("no_role", 403),
        ("quality_manager", 200),
        ("quality_manager_of_site", 200),
        ("administrator", 200),
        ("national_administrator", 200),
        ("quality_manager_elsewhere", 404),
        ("administrator_other_network", 404),
        ("superuser", 200),
    ],
)
def test_permission_matrix(tree, member, year, client, kind, status, output):
    """Quality managers and administrators of the site's subtree (and superusers) read the page
    and the PDF; roles without every read right get a 403; outside the subtree, a 404. Only a
    read that was served is written to the audit log."""
    user = _reader(kind, tree, member)
    client.force_login(user)
    response = client.get(reverse(f"reception:{output}", args=[tree.nimes.pk, year]))
    assert response.status_code == status
    entries = AuditLogEntry.objects.filter(action="reception.report.viewed")
    if status == 200:
        [entry] = entries
        assert entry.actor == user
        assert entry.structure == tree.nimes
        assert entry.details == {
            "year": year,
            "format": "html" if output == "site_report" else "pdf",
        }
    else:
        assert not entries.exists()
        if status == 403:
            assert "Accès refusé" in text(response)


@pytest.mark.parametrize("output", ["site_report", "site_report_pdf"])
def test_anonymous_visitor_is_sent_to_log_in(tree, year, client, output):
    """Someone not signed in is redirected to the log-in page."""
    response = client.get(reverse(f"reception:{output}", args=[tree.nimes.pk, year]))
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_only_sites_have_a_report(tree, member, year, client):
    """An administration or service has no yearly reception report (404)."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    response = client.get(reverse("reception:site_report", args=[tree.gard_service.pk, year]))
    assert response.status_code == 404


def test_site_history_links_to_the_report_for_those_who_may_read_it(tree, member, client):
    """The site history offers the yearly report and a year field to quality managers, not to
    plain agents."""
    this_year = timezone.localdate().year
    url = reverse("reception:site_report", args=[tree.nimes.pk, this_year])
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    page = text(client.get(reverse("reception:site_detail", args=[tree.nimes.pk])))
    assert f'href="{url}"' in page
    assert 'name="annee"' in page
    client.force_login(AgentFactory(structure=tree.nimes).user)
    page = text(client.get(reverse("reception:site_detail", args=[tree.nimes.pk])))
    assert url not in page


# --- years -----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [1, 10])
def test_future_years_have_no_report(tree, member, client, offset):
    """A year not yet begun answers 404."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    future = timezone.localdate().year + offset
    response = client.get(reverse("reception:site_report", args=[tree.nimes.pk, future]))
    assert response.status_code == 404


def test_years_before_2000_have_no_report(tree, member, client):
    """The oldest report is that of 2000."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    response = client.get(reverse("reception:site_report", args=[tree.nimes.pk, 1999]))
    assert response.status_code == 404


def test_year_field_redirects_to_the_chosen_year(tree, member, client, year):
    """The year field of a report (or of the site history) leads to that year's report."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    this_year = timezone.localdate().year
    response = client.get(
        reverse("reception:site_report", args=[tree.nimes.pk, this_year]), {"annee": str(year)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reception:site_report", args=[tree.nimes.pk, year])
    assert not AuditLogEntry.objects.filter(action="reception.report.viewed").exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("deux mille", "Indiquez l'année en chiffres, par exemple 2025."),
        ("1850", "Choisissez une année entre 2000 et"),
        ("3000", "Choisissez une année entre 2000 et"),
        ("", "Indiquez l'année du rapport."),
    ],
)
def test_bad_year_answers_400_and_keeps_what_was_typed(tree, member, client, typed, message):
    """A year that is not a number or out of range is refused with a French message, the typed
    value kept in the field; nothing is read, so nothing is logged."""
    client.force_login(member(Role.QUALITY_MANAGER, tree.gard))
    this_year = timezone.localdate().year
    response = client.get(
        reverse("reception:site_report", args=[tree.nimes.pk, this_year]), {"annee": typed}
    )
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page
    assert not AuditLogEntry.objects.filter(action="reception.report.viewed").exists()


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_is_tagged_and_holds_the_report(nimes_year, tree, year, client):
    """The PDF download is a tagged PDF (structure tree, marked content, French language) whose
    text holds the report but no narrative and no protected agent's name."""
    client.force_login(nimes_year["quality"])
    response = client.get(reverse("reception:site_report_pdf", args=[tree.nimes.pk, year]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert f"rapport-accueil-accueil-de-nimes-{year}.pdf" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]).lower().startswith("fr")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == f"Rapport annuel d'accueil {year} — Accueil de Nîmes"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp

    words = document_text(report_document(report.site_report(tree.nimes, year)))
    assert "Rouvrir les toilettes" in words
    assert nimes_year["protected"][0].pseudonym in words
    assert "Protégé" not in words
    assert "Récit confidentiel" not in words
    assert "Secrète" not in words
    assert "Secret statistique" in words


def test_pdf_of_an_empty_year_says_so(tree, year):
    """An empty year still gives a valid PDF with the plain sentences."""
    data = report.site_report(tree.ales, year)
    assert report_pdf(data).startswith(b"%PDF")
    words = document_text(report_document(data))
    assert f"Aucune incivilité n'a été signalée pour ce site en {year}." in words
