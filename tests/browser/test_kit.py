"""Identification kit and anonymity register in Chromium: every page axe-clean and CSP-clean."""

import pytest

from bonnefoi.accounts.models import Role
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory, StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email, next_path):
    checked_page.goto(f"/connexion/?next={next_path}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{next_path}")


def test_kit_and_register_pages_are_accessible(checked_page):
    """An administrator opens a protected agent's kit, the register, a refused grant form (input
    kept) and the end form: each page passes axe-core with no CSP violation."""
    network = StructureFactory(name="Réseau CAF")
    gard = StructureFactory(kind=StructureKind.ADMINISTRATION, name="CAF du Gard", parent=network)
    nimes = StructureFactory(kind=StructureKind.SITE, name="Accueil de Nîmes", parent=gard)
    protected = AgentFactory(structure=nimes, first_name="Bérénice", last_name="Quintard")
    exception = AnonymityExceptionFactory(agent=protected)
    AgentFactory(structure=nimes, first_name="Camille", last_name="Fabre")
    admin = MembershipFactory(role=Role.ADMINISTRATOR, structure=gard).user

    kit_path = f"/espace-agent/agents/{protected.pk}/kit/"
    _log_in(checked_page, admin.email, kit_path)
    page = checked_page.page
    main = page.locator("main").inner_text()
    assert protected.pseudonym in main
    assert "Quintard" not in main
    assert "L111-2" in page.get_by_label("Version texte").input_value()
    checked_page.assert_clean("kit-protected-agent")

    checked_page.goto("/espace-agent/anonymat/")
    assert "Bérénice Quintard" in page.locator("main").inner_text()
    checked_page.assert_clean("anonymity-register")

    checked_page.goto("/espace-agent/anonymat/nouvelle/")
    page.get_by_label("Justification écrite").fill("Trop court")
    page.get_by_role("button", name="Approuver l'exception").click()
    page.wait_for_load_state("load")
    assert "L'exception n'est pas enregistrée" in page.locator("main").inner_text()
    assert page.get_by_label("Justification écrite").input_value() == "Trop court"
    checked_page.assert_clean("anonymity-grant-error")

    checked_page.goto(f"/espace-agent/anonymat/{exception.pk}/lever/")
    checked_page.assert_clean("anonymity-end")
    page.get_by_label("Motif de la levée").fill("Menaces levées.")
    page.get_by_role("button", name="Lever l'exception").click()
    page.wait_for_url("**/espace-agent/anonymat/")
    assert "Exception levée" in page.locator("main").inner_text()
    checked_page.assert_clean("anonymity-register-after-end")
