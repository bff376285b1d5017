"""The incivility compartment in Chromium: list, report form (empty, refused, filled), report
page with its follow-up forms, a refused step, statistics and the refusal page are axe-clean
and CSP-clean."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.incidents.models import IncidentReport
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.incidents.factories import IncidentReportFactory
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email, landing="/espace-agent/incivilites/"):
    checked_page.goto(f"/connexion/?next={landing}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{landing}")


def test_agent_reports_an_incident(checked_page):
    """An agent opens the list and the form, is refused without a narrative (what they typed
    stays), then files the report and reads it."""
    tree = build_tree()
    agent = AgentFactory(structure=tree.nimes)
    _log_in(checked_page, agent.user.email)
    page = checked_page.page
    assert page.locator("h1").inner_text() == "Incivilités"
    checked_page.assert_clean("incidents-list")

    page.get_by_role("link", name="Signaler une incivilité").click()
    page.wait_for_url("**/signaler/")
    checked_page.assert_clean("incidents-form")

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Date des faits").fill(yesterday.isoformat())
    page.get_by_label("Heure approximative").fill("10:30")
    page.get_by_label("Au guichet").check(force=True)
    page.get_by_label("2 — Menaces ou intimidation").check(force=True)
    page.get_by_label("Verbale").check(force=True)
    page.get_by_label("Usager identifié").check(force=True)
    page.get_by_label("Témoins").fill("Une collègue de l'accueil")
    page.get_by_label("Interruption du service").check(force=True)
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_load_state("load")
    assert "Le signalement n'est pas enregistré" in page.locator("main").inner_text()
    assert page.get_by_label("Témoins").input_value() == "Une collègue de l'accueil"
    assert page.get_by_label("Interruption du service").is_checked()
    checked_page.assert_clean("incidents-form-error")

    page.get_by_label("Récit des faits").fill("L'usager a menacé de revenir après la fermeture.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_url("**/espace-agent/incivilites/*/")
    assert "Signalement enregistré" in page.locator("main").inner_text()
    assert IncidentReport.objects.filter(reporter=agent.user).count() == 1
    checked_page.assert_clean("incidents-report-as-reporter")


def test_officer_follows_up_and_reads_statistics(checked_page):
    """An incident officer opens a report with its follow-up forms, meets a refused step, then
    opens the statistics; a plain agent meets the refusal page."""
    tree = build_tree()
    reporter = AgentFactory(structure=tree.nimes).user
    for _ in range(6):
        IncidentReportFactory(structure=tree.nimes, reporter=reporter)
    report = IncidentReportFactory(
        structure=tree.ales, reporter=AgentFactory(structure=tree.ales).user
    )
    officer = MembershipFactory(role=Role.INCIDENT_OFFICER, structure=tree.gard).user
    _log_in(checked_page, officer.email)
    page = checked_page.page
    checked_page.assert_clean("incidents-list-officer")

    checked_page.goto(f"/espace-agent/incivilites/{report.pk}/")
    assert page.get_by_role("heading", name="Prendre en compte").count() == 1
    checked_page.assert_clean("incidents-report-as-officer")

    page.locator("#id_prise-en-compte-happened_on").fill("2000-01-01")
    page.get_by_role("button", name="Prendre en compte").click()
    page.wait_for_load_state("load")
    assert "Cette date précède les faits signalés." in page.locator("main").inner_text()
    checked_page.assert_clean("incidents-step-error")

    page.locator("#id_prise-en-compte-happened_on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Prendre en compte").click()
    page.wait_for_load_state("load")
    assert "Prise en compte enregistrée" in page.locator("main").inner_text()
    checked_page.assert_clean("incidents-report-followed")

    checked_page.goto(
        f"/espace-agent/incivilites/statistiques/?structure={tree.gard.pk}&period=year"
    )
    assert "Secret statistique" in page.locator("main").inner_text()
    checked_page.assert_clean("incidents-statistics")


def test_plain_agent_meets_the_statistics_refusal(checked_page):
    """A plain agent asking for statistics gets a clean French 403 page."""
    tree = build_tree()
    agent = AgentFactory(structure=tree.metz)
    _log_in(checked_page, agent.user.email)
    response = checked_page.goto("/espace-agent/incivilites/statistiques/")
    assert response.status == 403
    assert "Statistiques réservées" in checked_page.page.locator("h1").inner_text()
    checked_page.assert_clean("incidents-statistics-refused")
