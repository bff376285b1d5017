"""The advice back office in Chromium: list, editor (with a refused field), preview and diff are
axe-clean and CSP-clean."""

import pytest

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Entry, EntryStatus
from bonnefoi.advice.services import entry_publish
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.advice.factories import EntryFactory, LegalReferenceFactory, LifeEventFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email):
    checked_page.goto("/connexion/?next=/espace-agent/conseils/")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace-agent/conseils/")


def test_editor_pages_are_accessible(checked_page):
    """An editor lists entries, meets a validation error in the form, previews and compares
    versions: every page passes axe-core and breaks no CSP rule."""
    network = StructureFactory(name="Réseau CAF")
    gard = StructureFactory(kind=StructureKind.ADMINISTRATION, name="CAF du Gard", parent=network)
    editor = MembershipFactory(role=Role.EDITOR, structure=gard).user
    event = LifeEventFactory(title="Je déménage")
    LegalReferenceFactory(code="Code de la sécurité sociale", article="L114-17")
    entry = EntryFactory(
        owners=[gard],
        life_events=[event],
        status=EntryStatus.IN_REVIEW,
        title="J'oublie de signaler mon déménagement",
        advice="Signalez vite votre nouvelle adresse.",
        example="Départ le 3 mars, signalé le 20 avril : l'aide est recalculée.",
    )
    entry_publish(entry=entry, user=None, change_kind="major", change_note="Première version.")
    Entry.objects.filter(pk=entry.pk).update(
        advice="Nonobstant les modalités afférentes, signalez votre nouvelle adresse en ligne.",
        status=EntryStatus.DRAFT,
        needs_review=True,
        review_reason="Nouvelle version du Code de la sécurité sociale.",
    )

    _log_in(checked_page, editor.email)
    page = checked_page.page
    assert page.locator("h1").inner_text() == "Conseils"
    checked_page.assert_clean("advice-backoffice-list")

    checked_page.goto("/espace-agent/conseils/a-relire/")
    assert "Nouvelle version du Code" in page.locator("main").inner_text()
    checked_page.assert_clean("advice-backoffice-review-queue")

    checked_page.goto("/espace-agent/conseils/nouveau/")
    page.get_by_label("L'erreur, à la première personne").fill("J'oublie de déclarer un revenu")
    page.get_by_label("Ce que l'erreur entraîne").fill("Vous payez des intérêts de retard.")
    page.get_by_label("Le conseil pour l'éviter").fill("Vérifiez votre déclaration préremplie.")
    page.get_by_label("Comment la corriger si elle est faite").fill("Corrigez en ligne.")
    page.get_by_label("Pages officielles").fill("Corriger sa déclaration sans adresse")
    page.get_by_label("Événements de vie").select_option(label="Particuliers — Je déménage")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Le conseil n'est pas enregistré" in main
    assert "Ligne 1 : séparez le libellé et l'adresse" in main
    assert page.get_by_label("Le conseil pour l'éviter").input_value() == (
        "Vérifiez votre déclaration préremplie."
    )
    checked_page.assert_clean("advice-backoffice-form-error")

    checked_page.goto(f"/espace-agent/conseils/{entry.pk}/")
    page.get_by_role("button", name="Prévisualiser sans enregistrer").click()
    page.wait_for_load_state("load")
    assert "Aperçu, non enregistré" in page.locator("main").inner_text()
    checked_page.assert_clean("advice-backoffice-form-preview")

    checked_page.goto(f"/espace-agent/conseils/{entry.pk}/apercu/")
    main = page.locator("main").inner_text()
    assert "Conseils de rédaction" in main
    assert "malgré" in main
    checked_page.assert_clean("advice-backoffice-preview")

    checked_page.goto(f"/espace-agent/conseils/{entry.pk}/differences/")
    assert page.locator("del").count() >= 1
    assert page.locator("ins").count() >= 1
    checked_page.assert_clean("advice-backoffice-diff")


def test_reviewer_publication_form_is_accessible(checked_page):
    """The reviewer's preview, with the publication form and a refused empty note, is clean."""
    gard = StructureFactory(name="Réseau CAF")
    reviewer = MembershipFactory(role=Role.QUALITY_MANAGER, structure=gard).user
    entry = EntryFactory(owners=[gard], status=EntryStatus.IN_REVIEW)
    _log_in(checked_page, reviewer.email)
    checked_page.goto(f"/espace-agent/conseils/{entry.pk}/apercu/")
    page = checked_page.page
    page.locator(
        "label", has_text="Correction mineure"
    ).click()  # DSFR draws the radio on the label
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_load_state("load")
    assert "Dites en une phrase ce qui change" in page.locator("main").inner_text()
    checked_page.assert_clean("advice-backoffice-publish-error")
