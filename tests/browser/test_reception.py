"""Premises audits in Chromium: network view, site history, audit form (with a refused
submission), audit detail with a photo, corrective action and checklist pages are axe-clean and
CSP-clean."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.reception.models import ChecklistVersion
from bonnefoi.reception.photos import clean_photo
from bonnefoi.reception.services import ResultInput, checklists_sync, corrective_action_create
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.reception.factories import jpeg_with_gps, record_audit, upload
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _photo_root(settings, tmp_path):
    settings.RECEPTION_PHOTO_ROOT = tmp_path / "photos"


def _log_in(checked_page, email):
    checked_page.goto("/connexion/?next=/espace-agent/accueil/")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace-agent/accueil/")


def test_premises_pages_are_accessible(checked_page, tmp_path):
    """A quality manager reads the network view and a site's history, meets validation errors
    in the audit form (typed values kept), records an audit with a photo, reads it, adds a
    corrective action and opens the checklist: every page passes axe-core and breaks no CSP."""
    checklists_sync()
    current = ChecklistVersion.objects.order_by("-number").first()
    tree = build_tree()
    quality = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user
    owner = AgentFactory(structure=tree.ales, first_name="Léa", last_name="Bonnet")
    old = record_audit(
        actor=quality,
        site=tree.ales,
        checklist=current,
        visited_on=timezone.localdate() - dt.timedelta(days=400),
        toilets=ResultInput(
            "not_met", "Fermées pour travaux.", [clean_photo(upload(jpeg_with_gps()))]
        ),
    )
    corrective_action_create(
        actor=quality,
        audit=old,
        criterion=current.criteria.get(key="toilets"),
        description="Rouvrir les toilettes du rez-de-chaussée.",
        owner=owner,
        due_on=old.visited_on + dt.timedelta(days=30),
    )
    photo_path = tmp_path / "hall.jpg"
    photo_path.write_bytes(jpeg_with_gps())

    _log_in(checked_page, quality.email)
    page = checked_page.page
    main = page.locator("main").inner_text()
    assert "Locaux d'accueil" in page.locator("h1").inner_text()
    assert "Rouvrir les toilettes" in main  # overdue action
    checked_page.assert_clean("reception-network")

    checked_page.goto(f"/espace-agent/accueil/sites/{tree.ales.pk}/")
    assert "Historique des audits" in page.locator("main").inner_text()
    checked_page.assert_clean("reception-site-history")

    checked_page.goto(f"/espace-agent/accueil/sites/{tree.nimes.pk}/audits/nouveau/")
    checked_page.assert_clean("reception-audit-form")
    page.get_by_label("Visite mystère").check(force=True)
    page.get_by_label("Réalisé par").fill("Cabinet Visites")
    lighting = page.locator("#id_rating_lighting")
    lighting.get_by_label("Partiellement respecté").check(force=True)
    page.get_by_label("Synthèse").fill("Accueil aimable, hall sombre.")
    page.get_by_role("button", name="Enregistrer l'audit").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "L'audit n'est pas enregistré" in main
    assert "Dites ce qui manque" in main
    assert page.get_by_label("Synthèse").input_value() == "Accueil aimable, hall sombre."
    assert page.get_by_label("Réalisé par").input_value() == "Cabinet Visites"
    checked_page.assert_clean("reception-audit-form-errors")

    for fieldset in page.locator("fieldset[id^='id_rating_']").all():
        if fieldset.get_attribute("id") != "id_rating_lighting":
            fieldset.get_by_label("Respecté", exact=True).check(force=True)
    page.get_by_label("Commentaire sur « Les espaces d'accueil sont bien éclairés »").fill(
        "Deux néons éteints dans le hall."
    )
    page.get_by_label("Photos pour « Les espaces d'accueil sont bien éclairés »").set_input_files(
        str(photo_path)
    )
    page.get_by_role("button", name="Enregistrer l'audit").click()
    page.wait_for_url("**/espace-agent/accueil/audits/*/")
    main = page.locator("main").inner_text()
    assert "Audit enregistré." in main
    assert "Deux néons éteints dans le hall." in main
    image = page.locator("main img").first
    image.scroll_into_view_if_needed()
    image.evaluate(
        "img => img.complete ? null : new Promise(done => img.addEventListener('load', done))"
    )
    assert image.evaluate("img => img.naturalWidth") > 0
    checked_page.assert_clean("reception-audit-detail")

    page.get_by_label("Critère concerné").select_option(
        label="Les espaces d'accueil sont bien éclairés"
    )
    page.get_by_label("Action à mener").fill("Remplacer les néons du hall.")
    page.get_by_role("button", name="Ajouter l'action").click()
    page.wait_for_load_state("load")
    assert "L'action n'est pas enregistrée" in page.locator("main").inner_text()
    assert page.get_by_label("Action à mener").input_value() == "Remplacer les néons du hall."
    checked_page.assert_clean("reception-action-form-errors")

    page.get_by_label("Responsable").select_option(index=1)
    page.get_by_label("Échéance").fill((timezone.localdate() + dt.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Ajouter l'action").click()
    page.wait_for_load_state("load")
    assert "Action corrective ajoutée." in page.locator("main").inner_text()
    page.get_by_role("link", name="Remplacer les néons du hall.").click()
    page.wait_for_load_state("load")
    checked_page.assert_clean("reception-action")

    checked_page.goto(f"/espace-agent/accueil/grilles/{current.number}/")
    assert "charte de la laïcité" in page.locator("main").inner_text()
    checked_page.assert_clean("reception-checklist")
