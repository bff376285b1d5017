"""Action plans in Chromium: a quality manager opens the alerts page, goes to the frequent
error, opens a plan, adds an action, marks it done (after a refused attempt) with evidence and
a public summary, and reads the measured impact. Every page is axe-clean and CSP-clean."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.observatory.models import CaseCount, FilingVolume, SpikeAlert
from bonnefoi.observatory.periods import period_start
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.advice.factories import EntryFactory, ProcedureFactory
from tests.structures.conftest import build_tree
from tests.structures.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email):
    checked_page.goto("/connexion/?next=/espace-agent/observatoire/alertes/")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/espace-agent/observatoire/alertes/")


def test_plan_from_alert_to_impact(checked_page):
    """From the alert to the measured impact of a completed action, every page accessible."""
    tree = build_tree()
    manager = MembershipFactory(role=Role.QUALITY_MANAGER, structure=tree.gard).user
    AgentFactory(structure=tree.nimes, first_name="Léa", last_name="Bonnet")
    procedure = ProcedureFactory(title="Déclaration trimestrielle de ressources")
    entry = EntryFactory(owners=[tree.gard], title="J'oublie mes heures supplémentaires")
    today = timezone.localdate()
    completed = today - dt.timedelta(days=70)
    transition = period_start("week", completed)
    for weeks, received in ((-3, 7), (-2, 6), (-1, 4), (1, 2), (2, 1), (3, 1)):
        CaseCount.objects.create(
            scope=tree.gard,
            period="week",
            start=transition + dt.timedelta(days=7 * weeks),
            procedure=procedure,
            entry=entry,
            received=received,
        )
    FilingVolume.objects.create(
        structure=tree.gard,
        procedure=procedure,
        first_day=transition - dt.timedelta(days=70),
        last_day=today,
        filings=2000,
        source="Extraction",
        recorded_by=manager,
    )
    SpikeAlert.objects.create(
        entry=entry,
        week_start=period_start("week", today) - dt.timedelta(days=7),
        count=12,
        baseline_weeks=8,
        baseline_mean=Decimal("3.00"),
        threshold=Decimal("8.20"),
    )

    _log_in(checked_page, manager.email)
    page = checked_page.page
    assert "Alertes de hausse" in page.locator("h1").inner_text()
    checked_page.assert_clean("observatory-alerts")

    page.get_by_role("link", name="J'oublie mes heures supplémentaires").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Évolution par semaine" in main
    checked_page.assert_clean("observatory-entry")

    page.get_by_role("link", name="Ouvrir un plan d'action sur cette erreur").click()
    page.wait_for_load_state("load")
    page.get_by_label("Intitulé du problème").fill("Heures supplémentaires oubliées")
    page.get_by_role("button", name="Ouvrir le plan").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "Le plan n'est pas ouvert" in main
    assert page.get_by_label("Intitulé du problème").input_value() == (
        "Heures supplémentaires oubliées"
    )
    checked_page.assert_clean("observatory-plan-form-errors")

    page.get_by_label("Structure", exact=False).first.select_option(label="CAF du Gard")
    page.get_by_label("Le problème constaté").fill("Un dossier sur trois porte sur les heures.")
    page.get_by_label("Démarche").select_option(label="Déclaration trimestrielle de ressources")
    page.get_by_role("button", name="Ouvrir le plan").click()
    page.wait_for_url("**/espace-agent/observatoire/plans/*/")
    assert "Plan d'action ouvert." in page.locator("main").inner_text()
    checked_page.assert_clean("observatory-plan")

    page.get_by_label("Type d'action").select_option(label="Simplifier un formulaire")
    page.get_by_label("Ce qui sera fait").fill("Ajouter une case pour les heures.")
    page.get_by_label("Responsable").select_option(index=1)
    page.get_by_label("Échéance").fill(today.isoformat())
    page.get_by_role("button", name="Ajouter l'action").click()
    page.wait_for_load_state("load")
    assert "Action ajoutée au plan." in page.locator("main").inner_text()

    page.get_by_role("link", name="Mettre à jour cette action").click()
    page.wait_for_load_state("load")
    checked_page.assert_clean("observatory-action")
    page.get_by_label("En cours").check(force=True)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Mettre à jour cette action").click()
    page.wait_for_load_state("load")
    page.get_by_label("Réalisée", exact=True).check(force=True)
    page.get_by_label("Réalisée le").fill(completed.isoformat())
    page.get_by_label("Ce qui a changé (texte public)").fill("Écrivez à lea.bonnet@caf.fr.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert "L'action n'est pas mise à jour" in main
    assert "Indiquez la preuve de réalisation." in main
    assert "retirez une adresse électronique" in main
    checked_page.assert_clean("observatory-action-errors")

    page.get_by_label("Preuve de réalisation").fill("Formulaire version 2 en ligne.")
    page.get_by_label("Ce qui a changé (texte public)").fill(
        "Le formulaire demande désormais les heures supplémentaires."
    )
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/espace-agent/observatoire/plans/*/")
    main = page.locator("main").inner_text()
    assert "Effet mesuré de l'action" in main
    assert "Dossiers pour 1 000 dépôts" in main
    checked_page.assert_clean("observatory-plan-impact")

    checked_page.goto("/espace-agent/observatoire/volumes/")
    checked_page.assert_clean("observatory-volumes")
    checked_page.goto("/espace-agent/observatoire/plans/")
    checked_page.assert_clean("observatory-plans")
