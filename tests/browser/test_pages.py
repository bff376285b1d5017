"""Every page a person lands on first: DSFR renders, axe-core finds nothing, CSP blocks nothing."""

import pytest

from tests.accounts.factories import PASSWORD
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = [
    ("/", "Vous avez le droit à l'erreur"),
    ("/connexion/", "Connexion à l'espace agent"),
    ("/accessibilite/", "Déclaration d'accessibilité"),
    ("/mentions-legales/", "Mentions légales"),
    ("/donnees-personnelles/", "Données personnelles"),
    ("/plan-du-site/", "Plan du site"),
    ("/cette-page-n-existe-pas/", "Page non trouvée"),
]


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES)
def test_public_page_is_accessible_and_csp_clean(checked_page, path, heading):
    """A public page shows its DSFR heading, passes axe-core (WCAG 2.1 A/AA), breaks no CSP rule."""
    checked_page.goto(path)
    assert checked_page.page.locator("h1").first.inner_text() == heading
    # The DSFR script ran: it marks the document once its JavaScript API has started.
    checked_page.page.wait_for_function("document.documentElement.hasAttribute('data-fr-js')")
    checked_page.assert_clean(f"public{path}")


def test_agent_logs_in_and_reaches_back_office(checked_page):
    """An agent signs in with e-mail and password and lands on a clean back-office home."""
    agent = AgentFactory(position="Conseillère")
    checked_page.goto("/connexion/")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(agent.user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace-agent/")
    assert page.locator("h1").inner_text() == "Espace agent"
    assert agent.structure.name in page.content()
    checked_page.assert_clean("backoffice-home")

    for path, name in [
        ("/espace-agent/agents/", "backoffice-agents"),
        ("/espace-agent/mon-identification/", "backoffice-identification"),
        (f"/espace-agent/agents/{agent.pk}/", "backoffice-agent-detail"),
        ("/deconnexion/", "logout-confirmation"),
    ]:
        checked_page.goto(path)
        checked_page.assert_clean(name)


def test_wrong_password_keeps_email_and_explains(checked_page):
    """A failed login answers in French and keeps the typed e-mail (nothing the user typed is lost)."""
    checked_page.goto("/connexion/")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill("personne@exemple.test")
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert "Adresse e-mail ou mot de passe incorrect" in page.content()
    assert (
        page.get_by_label("Adresse e-mail professionnelle").input_value() == "personne@exemple.test"
    )
    checked_page.assert_clean("login-error")


def test_an_expired_form_gets_the_french_refusal_page(checked_page):
    """A form sent after its security cookie is gone (expired, blocked) lands on a French DSFR
    page that says what to do, accessible and CSP-clean."""
    checked_page.goto("/connexion/")
    page = checked_page.page
    page.context.clear_cookies()
    page.get_by_label("Adresse e-mail professionnelle").fill("personne@exemple.test")
    page.get_by_label("Mot de passe").fill("mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Formulaire expiré ou envoyé depuis un autre site"
    checked_page.assert_clean("csrf-refused")
