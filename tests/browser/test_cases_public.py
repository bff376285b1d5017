"""« Signaler une erreur » in Chromium: a person declares step by step (with a refused answer,
a real PDF upload, the review page), reads the confirmation, opens the tracking page and asks
for a new link; every page passes axe-core and breaks no CSP rule."""

import re

import pytest

from bonnefoi.cases.models import Case
from tests.cases.factories import MINIMAL_PDF, past, world

pytestmark = pytest.mark.django_db(transaction=True)


def continue_(page) -> None:
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state("load")


def test_a_person_declares_an_error_with_a_document(checked_page, tmp_path):
    """The whole public path, without an account: every step, a validation error shown next to
    its field (typed text kept), a document uploaded and listed, the review, the confirmation
    with the reference, then the tracking page and the lost-link page."""
    w = world()
    page = checked_page.page
    checked_page.goto("/signaler/")
    assert page.locator("h1").inner_text() == "Signaler une erreur et la corriger"
    checked_page.assert_clean("cases-start")
    page.get_by_role("link", name="Commencer").click()
    page.wait_for_load_state("load")

    # 1. Procedure (searched by name) and postal code
    assert "Étape 1 sur 7" in page.locator(".fr-stepper").inner_text()
    checked_page.assert_clean("cases-step-1-empty")
    page.get_by_label("Rechercher la démarche").fill("ressources trimestrielles")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state("load")
    page.locator("label.fr-label", has_text=w.procedure.title).click()
    page.get_by_label("Votre code postal").fill("30900")
    checked_page.assert_clean("cases-step-1-results")
    continue_(page)

    # 2. What was declared: a date in the future is refused, the text stays
    assert "CAF du Gard" in page.locator(".fr-notice").inner_text()
    page.get_by_label("Qu'avez-vous déclaré ?").fill("J'ai déclaré 1 800 € de salaire.")
    page.get_by_label("Quand l'avez-vous déclaré ?").fill("2099-01-01")
    page.get_by_label("Qu'est-ce qui est exact ?").fill("Mon salaire était de 2 100 €.")
    page.get_by_label("Depuis quand est-ce exact ?").fill(past(40).isoformat())
    continue_(page)
    assert "ne peut pas être dans le futur" in page.locator("#erreurs").inner_text()
    assert page.get_by_label("Qu'avez-vous déclaré ?").input_value().startswith("J'ai déclaré")
    checked_page.assert_clean("cases-step-2-error")
    page.get_by_label("Quand l'avez-vous déclaré ?").fill(past(40).isoformat())
    continue_(page)

    # 3. The administration did not ask
    checked_page.assert_clean("cases-step-3")
    page.locator("label.fr-label", has_text="Non, je le signale de moi-même").click()
    continue_(page)

    # 4. File identifier
    checked_page.assert_clean("cases-step-4")
    page.get_by_label("Type d'identifiant").select_option("caf_allocataire")
    page.locator("#id_identifier").fill("1234567")
    continue_(page)

    # 5. A real PDF upload
    document = tmp_path / "bulletin-de-salaire.pdf"
    document.write_bytes(MINIMAL_PDF)
    page.get_by_label("Ajouter des fichiers").set_input_files(str(document))
    page.get_by_role("button", name="Ajouter ces fichiers").click()
    page.wait_for_load_state("load")
    assert "bulletin-de-salaire.pdf" in page.locator("#pieces-jointes + ul").inner_text()
    checked_page.assert_clean("cases-step-5")
    continue_(page)

    # 6. Contact and consent
    checked_page.assert_clean("cases-step-6")
    page.get_by_label("Votre adresse électronique").fill("personne@exemple.test")
    page.locator("label.fr-label", has_text="J'ai lu ces informations").click()
    continue_(page)

    # 7. Review, then send
    assert "Étape 7 sur 7" in page.locator(".fr-stepper").inner_text()
    assert "bulletin-de-salaire.pdf" in page.locator("main").inner_text()
    checked_page.assert_clean("cases-step-7-review")
    page.get_by_role("button", name="Envoyer ma déclaration").click()
    page.wait_for_load_state("load")

    case = Case.objects.get()
    assert case.attachments.get().original_name == "bulletin-de-salaire.pdf"
    assert case.reference in page.locator("h2.fr-alert__title").inner_text()
    checked_page.assert_clean("cases-confirmation")

    tracking = page.locator("a", has_text=re.compile(r"/signaler/suivi/")).first.get_attribute(
        "href"
    )
    page.goto(tracking)
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == f"Dossier {case.reference}"
    assert "bulletin-de-salaire.pdf" in page.locator("#documents + ul").inner_text()
    checked_page.assert_clean("cases-tracking")

    checked_page.goto("/signaler/lien-perdu/")
    checked_page.assert_clean("cases-lost-link")
