"""The correction channel end to end in Chromium, two browsers side by side: a person declares
an error with a document, an agent invites them to regularise, the person answers with another
document, the agent decides with the engine, and the person reads the decision letter. Every
page passes axe-core and breaks no CSP rule; the letter's PDF exists, is tagged (PDF/UA) and
is signed by the deciding agent (first name, name, position, service)."""

import io
import re

import pytest
from pypdf import PdfReader

from bonnefoi.cases.models import Case, CaseState
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import PageChecker
from tests.cases.factories import MINIMAL_PDF, agent_in, past, world

pytestmark = pytest.mark.django_db(transaction=True)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state("load")


def continue_(page) -> None:
    page.get_by_role("button", name=re.compile("^Continuer")).click()
    page.wait_for_load_state("load")


def declare(person: PageChecker, w, document) -> str:
    """The person's declaration through the seven steps; returns the tracking link."""
    page = person.page
    person.goto("/signaler/")
    page.get_by_role("link", name="Commencer").click()
    page.wait_for_load_state("load")
    page.get_by_label("Rechercher la démarche").fill("ressources trimestrielles")
    click(page, "Rechercher")
    page.locator("label.fr-label", has_text=w.procedure.title).click()
    page.get_by_label("Votre code postal").fill("30900")
    continue_(page)
    page.get_by_label("Qu'avez-vous déclaré ?").fill("J'ai déclaré 1 800 € de salaire.")
    page.get_by_label("Quand l'avez-vous déclaré ?").fill(past(40).isoformat())
    page.get_by_label("Qu'est-ce qui est exact ?").fill("Mon salaire était de 2 100 €.")
    page.get_by_label("Depuis quand est-ce exact ?").fill(past(40).isoformat())
    continue_(page)
    page.locator("label.fr-label", has_text="Non, je le signale de moi-même").click()
    continue_(page)
    continue_(page)  # no identifier
    page.get_by_label("Ajouter des fichiers").set_input_files(str(document))
    click(page, "Ajouter ces fichiers")
    continue_(page)
    page.get_by_label("Votre adresse électronique").fill("personne@exemple.test")
    page.locator("label.fr-label", has_text="J'ai lu ces informations").click()
    continue_(page)
    person.assert_clean("full-path-review")
    click(page, "Envoyer ma déclaration")
    person.assert_clean("full-path-confirmation")
    return page.locator("a", has_text=re.compile(r"/signaler/suivi/")).first.get_attribute("href")


def log_in(agent: PageChecker, email: str) -> None:
    agent.goto("/connexion/?next=/espace-agent/dossiers/")
    page = agent.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    click(page, "Se connecter")


def open_case(agent: PageChecker, reference: str) -> None:
    agent.goto("/espace-agent/dossiers/")
    agent.page.get_by_role("link", name=reference).click()
    agent.page.wait_for_load_state("load")


def test_declare_invite_answer_decide_read_the_letter(chromium, live_server, tmp_path):
    """The whole path of issue 5, person and agent each in their own browser context."""
    w = world()
    agent_user = agent_in(
        w.gard, first_name="Solène", last_name="Marchetti", position="Gestionnaire conseil"
    )
    contexts = [chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris") for _ in range(2)]
    person, agent = (PageChecker(context.new_page(), live_server.url) for context in contexts)
    try:
        first_document = tmp_path / "bulletin-de-salaire.pdf"
        first_document.write_bytes(MINIMAL_PDF)
        tracking = declare(person, w, first_document)
        case = Case.objects.get()
        assert case.attachments.count() == 1

        # The agent takes the case and invites the person to regularise.
        log_in(agent, agent_user.email)
        agent.assert_clean("full-path-queue")
        open_case(agent, case.reference)
        click(agent.page, "Prendre en charge")
        agent.page.get_by_label("Ce que la personne doit faire").fill(
            "Envoyez le bulletin de salaire du mois de mars."
        )
        click(agent.page, "Envoyer l'invitation")
        agent.assert_clean("full-path-invited")
        case.refresh_from_db()
        assert case.state == CaseState.AWAITING_PERSON

        # The person reads the request and answers with a second document.
        person.page.goto(tracking)
        person.page.wait_for_load_state("load")
        assert "Envoyez le bulletin de salaire du mois de mars." in person.page.inner_text("main")
        person.assert_clean("full-path-tracking-invited")
        person.page.get_by_label("Votre message").fill("Voici le bulletin de mars.")
        second_document = tmp_path / "bulletin-mars.pdf"
        second_document.write_bytes(MINIMAL_PDF)
        person.page.locator("#id_files").set_input_files(str(second_document))
        click(person.page, "Envoyer")
        person.assert_clean("full-path-answered")
        case.refresh_from_db()
        assert case.state == CaseState.IN_REVIEW
        assert case.attachments.count() == 2

        # The agent decides with the engine: right to error granted.
        open_case(agent, case.reference)
        agent.page.get_by_role("link", name="Préparer la décision").click()
        agent.page.wait_for_load_state("load")
        page = agent.page
        page.get_by_label("Nature de l'erreur").select_option("material_error")
        page.get_by_label("Nature de la sanction envisagée").select_option(
            "administrative_pecuniary"
        )
        page.get_by_label("Exception légale au droit à l'erreur").select_option("none")
        page.get_by_label("Mauvaise foi établie par l'administration").select_option("false")
        page.get_by_label("Fraude établie par l'administration").select_option("false")
        page.get_by_label("Motivation").fill(
            "Vous avez corrigé de vous-même une erreur matérielle sur votre salaire."
        )
        click(page, "Évaluer")
        agent.assert_clean("full-path-decision-evaluated")
        page.locator("label[for=decision-outcome_0]").click()  # « Droit à l'erreur accordé »
        click(page, "Enregistrer la décision")
        agent.assert_clean("full-path-decided")
        case.refresh_from_db()
        assert case.state == CaseState.DECIDED
        letter = case.decision.letter
        letter.refresh_from_db()
        assert letter.status == "ready"

        # The person reads the letter (HTML page and PDF).
        person.page.goto(tracking)
        person.page.wait_for_load_state("load")
        person.assert_clean("full-path-tracking-decided")
        person.page.get_by_role("link", name="Lire le courrier de décision").click()
        person.page.wait_for_load_state("load")
        text = person.page.inner_text("main")
        for expected in ("Solène", "Marchetti", "Gestionnaire conseil", "CAF du Gard"):
            assert expected in text
        person.assert_clean("full-path-letter")
        pdf_url = tracking.rstrip("/") + "/courrier.pdf"
        response = person.page.request.get(pdf_url)
        assert response.status == 200
        pdf = response.body()
        assert pdf.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(pdf))
        catalog = reader.trailer["/Root"]
        assert "/StructTreeRoot" in catalog
        assert bool(catalog["/MarkInfo"]["/Marked"])
        metadata = catalog["/Metadata"].get_object().get_data()
        assert b"pdfuaid:part" in metadata
        pdf_text = " ".join(page.extract_text() for page in reader.pages)
        for expected in ("Solène", "Marchetti", "Gestionnaire conseil", "CAF du Gard"):
            assert expected in pdf_text
    finally:
        for context in contexts:
            context.close()
