"""The agents' back office of correction cases in Chromium: the queue, a case page (with an
invitation preview), the decision form with the engine's evaluation, and a refused decision are
axe-clean and CSP-clean."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.letters import render_letter
from bonnefoi.cases.models import Case
from tests.accounts.factories import PASSWORD
from tests.cases.factories import (
    agent_in,
    decide,
    in_review,
    submit,
    submit_with_attachment,
    world,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email, next_path):
    checked_page.goto(f"/connexion/?next={next_path}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{next_path}")


def test_agent_pages_are_accessible(checked_page):
    """An administrator of the Gard (who also sees the audit trail) works a case: every page
    passes axe-core and breaks no CSP rule."""
    w = world()
    admin = agent_in(w.gard, Role.ADMINISTRATOR)
    old = submit(w.procedure)
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=41))
    case = submit_with_attachment(
        w.procedure, identifier_kind="caf_allocataire", identifier="1234567"
    )
    case = services.case_take(case=case, user=admin, expected_version=case.version)
    services.case_note(case=case, user=admin, body="Vérifier le bulletin de salaire.")
    in_review(w.procedure, agent_in(w.gard))

    _log_in(checked_page, admin.email, "/espace-agent/dossiers/")
    page = checked_page.page
    assert page.locator("h1").inner_text() == "Dossiers de correction"
    assert page.locator(".fr-badge--error", has_text="En retard").count() == 1
    checked_page.assert_clean("cases-agent-queue")

    page.get_by_role("link", name=case.reference).click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Vérifier le bulletin de salaire." in main
    assert "Journal d'audit du dossier" in main
    checked_page.assert_clean("cases-agent-case")

    page.get_by_label("Ce que la personne doit faire").fill("Envoyez le bulletin de mars.")
    page.get_by_role("button", name="Voir la date limite").click()
    page.wait_for_load_state("load")
    assert "inclus" in page.locator("#apercu-delai").inner_text()
    assert page.get_by_label("Ce que la personne doit faire").input_value() == (
        "Envoyez le bulletin de mars."
    )
    checked_page.assert_clean("cases-agent-invitation-preview")

    page.get_by_role("link", name="Préparer la décision").click()
    page.wait_for_load_state("load")
    page.get_by_label("Nature de l'erreur").select_option("material_error")
    page.get_by_label("Nature de la sanction envisagée").select_option("administrative_pecuniary")
    page.get_by_label("Exception légale au droit à l'erreur").select_option("none")
    page.get_by_label("Mauvaise foi établie par l'administration").select_option("false")
    page.get_by_label("Fraude établie par l'administration").select_option("false")
    page.get_by_label("Motivation").fill("Erreur matérielle corrigée spontanément.")
    page.get_by_role("button", name="Évaluer").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Raisonnement du moteur" in main
    assert page.get_by_label("Motivation").input_value() == (
        "Erreur matérielle corrigée spontanément."
    )
    checked_page.assert_clean("cases-agent-decision-evaluated")

    page.locator("label[for=decision-outcome_2]").click()  # "Mauvaise foi établie"
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state("load")
    assert "décrivez les éléments de preuve" in page.locator("main").inner_text()
    checked_page.assert_clean("cases-agent-decision-refused")


def test_letter_and_redirect_search_are_accessible(checked_page):
    """An agent reads the letter of a decided case from its page (section, letter page), and
    searches the structure to hand another case to, the reason kept across the search: every
    page passes axe-core and breaks no CSP rule."""
    w = world()
    agent = agent_in(w.gard)
    decided = in_review(w.procedure, agent)
    render_letter(decide(decided, agent).letter.pk)
    open_case = in_review(w.procedure, agent)

    _log_in(checked_page, agent.email, f"/espace-agent/dossiers/{decided.reference}/")
    page = checked_page.page
    section = page.locator("section[aria-labelledby=courrier]")
    assert "disponible" in section.inner_text().lower()  # the badge is in capitals
    checked_page.assert_clean("cases-agent-letter-section")

    section.get_by_role("link", name="Lire le courrier").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == f"Courrier de décision — dossier {decided.reference}"
    assert page.get_by_role("link", name="Télécharger le courrier (PDF)").count() == 1
    checked_page.assert_clean("cases-agent-letter")

    checked_page.goto(f"/espace-agent/dossiers/{open_case.reference}/")
    page.get_by_label("Motif de la transmission").fill("La personne habite à Metz.")
    page.get_by_label("Chercher l'administration ou le service destinataire").fill("Moselle")
    page.get_by_role("button", name="Chercher une structure").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("Motif de la transmission").input_value() == (
        "La personne habite à Metz."
    )
    checked_page.assert_clean("cases-agent-redirect-search")

    page.locator("#transmettre label", has_text="CAF de la Moselle").click()  # DSFR radio
    page.get_by_role("button", name="Transmettre le dossier").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Dossiers de correction"
    assert Case.objects.get(pk=open_case.pk).structure_id == w.moselle.pk
