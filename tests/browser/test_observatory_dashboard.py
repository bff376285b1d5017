"""The observatory dashboard in Chromium: a quality manager opens it with data, changes the
filters, meets a refused filter; every state is axe-clean and CSP-clean, and each chart is
followed by its data table."""

import datetime as dt

import pytest

from bonnefoi.accounts.models import Role
from bonnefoi.observatory import refresh
from tests.accounts.factories import PASSWORD
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.cases.factories import agent_in
from tests.observatory.factories import case_row, local
from tests.structures.conftest import build_tree

pytestmark = pytest.mark.django_db(transaction=True)

LANDING = "/espace-agent/observatoire/"


def _log_in(checked_page, email):
    checked_page.goto(f"/connexion/?next={LANDING}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{LANDING}")


def test_quality_manager_reads_and_filters_the_dashboard(checked_page):
    """The manager sees the figures of the last twelve months, switches to quarters, narrows
    to a procedure and re-scopes to a child structure; a reversed date range is refused with
    what was typed kept."""
    tree = build_tree()
    housing = ProcedureFactory(title="Aide au logement")
    bonus = ProcedureFactory(title="Prime d'activité")
    income = EntryFactory(title="J'oublie de déclarer un revenu")
    today = dt.date.today()
    for months_ago, count in ((2, 3), (4, 1), (6, 2)):
        day = (today.replace(day=1) - dt.timedelta(days=30 * months_ago)).replace(day=10)
        for _ in range(count):
            case_row(structure=tree.nimes, procedure=housing, entry=income,
                     submitted=local(day), decided=local(day + dt.timedelta(days=5)))  # fmt: skip
        case_row(structure=tree.ales, procedure=bonus, submitted=local(day))
    refresh.rebuild(full=True)
    manager = agent_in(tree.gard, Role.QUALITY_MANAGER)

    _log_in(checked_page, manager.email)
    page = checked_page.page
    assert "CAF du Gard" in page.locator("h1").inner_text()
    assert page.locator("#kpi-recus").inner_text() == "9"
    for chart, table in (("graphique-evolution", "tableau-evolution"),
                         ("graphique-erreurs", "tableau-erreurs"),
                         ("graphique-demarches", "tableau-demarches")):  # fmt: skip
        svg = page.locator(f"svg[aria-labelledby^='{chart}-titre']")
        assert svg.count() == 1
        following = svg.locator("xpath=ancestor::figure/following-sibling::div[1]//table")
        assert following.get_attribute("id") == table
    assert page.locator("#tableau-erreurs tbody tr").count() == 1
    checked_page.assert_clean("observatory-dashboard")

    page.locator("#id_granularity").select_option("trimestre")
    page.locator("#id_procedure").select_option(label="Aide au logement")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state("load")
    assert "granularity=trimestre" in page.url
    assert page.locator("#kpi-recus").inner_text() == "6"
    assert (
        page.locator("#tableau-evolution caption")
        .inner_text()
        .startswith("Dossiers reçus et décisions, par trimestre")
    )
    checked_page.assert_clean("observatory-dashboard-quarters")

    page.locator("#tableau-structures").get_by_role(
        "link", name="Service relation allocataires"
    ).click()
    page.wait_for_load_state("load")
    assert "Service relation allocataires" in page.locator("h1").inner_text()
    assert page.locator("#tableau-structures tbody tr").count() == 2
    checked_page.assert_clean("observatory-dashboard-service")

    page.locator("#id_date_from").fill("2026-05-01")
    page.locator("#id_date_to").fill("2026-03-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state("load")
    assert "La date de fin doit être après la date de début." in page.locator("main").inner_text()
    assert page.locator("#id_date_to").input_value() == "2026-03-01"
    checked_page.assert_clean("observatory-dashboard-refused")


def test_plain_agent_meets_the_refusal_page(checked_page):
    """An agent without the role gets the French refusal page, axe- and CSP-clean."""
    tree = build_tree()
    agent = agent_in(tree.nimes)
    _log_in(checked_page, agent.email)
    assert "réservé aux responsables qualité" in checked_page.page.locator("h1").inner_text()
    checked_page.assert_clean("observatory-dashboard-forbidden")
