"""The yearly reception report in Chromium: reached from the site history, chosen by year (with
a refused year), downloaded as PDF; every page axe-clean and CSP-clean."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.reception.models import ChecklistVersion
from bonnefoi.reception.services import ResultInput, checklists_sync, corrective_action_create
from bonnefoi.structures.models import Agent
from bonnefoi.training.catalogue import sync_platform_modules
from bonnefoi.training.models import TrainingModule
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.incidents.factories import IncidentReportFactory
from tests.reception.factories import record_audit
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory
from tests.training.factories import CompletionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email, next_path):
    checked_page.goto(f"/connexion/?next={next_path}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{next_path}")


def _last_year_at(site, quality, year):
    """An audit with an action, agents (one protected), completions and incidents in ``year``."""
    checklists_sync()
    sync_platform_modules(TrainingModule)  # transactional tests flush the data migrations' rows
    current = ChecklistVersion.objects.order_by("-number").first()
    agents = [AgentFactory(structure=site) for _ in range(6)]
    AnonymityExceptionFactory(
        agent=agents[0], valid_from=dt.date(year, 1, 1), valid_until=dt.date(year + 1, 12, 31)
    )
    Agent.objects.update(
        created_at=dt.datetime(year, 1, 1, 9, tzinfo=timezone.get_current_timezone())
    )
    audit = record_audit(
        actor=quality,
        site=site,
        checklist=current,
        visited_on=dt.date(year, 6, 15),
        toilets=ResultInput("not_met", "Fermées pour travaux."),
    )
    corrective_action_create(
        actor=quality,
        audit=audit,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes du rez-de-chaussée.",
        owner=agents[0],
        due_on=dt.date(year, 9, 1),
    )
    for module in TrainingModule.objects.filter(mandatory=True, owner=None):
        CompletionFactory(agent=agents[1], module=module, completed_on=dt.date(year, 3, 1))
    reporter = AgentFactory(structure=site.parent).user
    for day in range(1, 7):
        IncidentReportFactory(
            structure=site,
            reporter=reporter,
            occurred_at=dt.datetime(year, 4, day, 10, tzinfo=timezone.get_current_timezone()),
        )


def test_report_pages_are_accessible(checked_page):
    """A quality manager opens this year's report from the site history, asks for last year
    (full of data), types a wrong year (French message, typed value kept) and downloads the
    PDF: every page passes axe-core and breaks no CSP."""
    tree = build_tree()
    quality = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user
    this_year = timezone.localdate().year
    last_year = this_year - 1
    _last_year_at(tree.nimes, quality, last_year)

    site_path = f"/espace-agent/accueil/sites/{tree.nimes.pk}/"
    _log_in(checked_page, quality.email, site_path)
    page = checked_page.page
    page.get_by_role("link", name=f"Rapport annuel {this_year}").click()
    page.wait_for_url(f"**{site_path}rapport/{this_year}/")
    main = page.locator("main").inner_text()
    assert f"année {this_year} en cours" in main
    assert f"Aucun audit des locaux n'a été réalisé sur ce site en {this_year}." in main
    checked_page.assert_clean("reception-report-current-year")

    page.get_by_label("Année du rapport").fill(str(last_year))
    page.get_by_role("button", name="Afficher le rapport de cette année").click()
    page.wait_for_url(f"**{site_path}rapport/{last_year}/")
    main = page.locator("main").inner_text()
    assert "Rouvrir les toilettes du rez-de-chaussée." in main
    assert "Des toilettes sont ouvertes au public" in main
    assert "Secret statistique" in main
    checked_page.assert_clean("reception-report-last-year")

    pdf_href = page.get_by_role("link", name="Télécharger le rapport").get_attribute("href")
    pdf = page.request.get(checked_page.base_url + pdf_href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.get_by_label("Année du rapport").fill("deux mille")
    page.get_by_role("button", name="Afficher le rapport de cette année").click()
    page.wait_for_load_state("load")
    assert "Indiquez l'année en chiffres" in page.locator("main").inner_text()
    assert page.get_by_label("Année du rapport").input_value() == "deux mille"
    checked_page.assert_clean("reception-report-bad-year")
