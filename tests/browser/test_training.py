"""Training pages in Chromium: catalogue, coverage, an agent's record with a refused form, module
form and CSV import with its error report, all axe-clean and CSP-clean."""

import datetime as dt

import pytest
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.structures.models import StructureKind
from bonnefoi.training.catalogue import sync_platform_modules
from bonnefoi.training.models import TrainingModule
from tests.accounts.factories import PASSWORD, MembershipFactory
from tests.structures.factories import AgentFactory, StructureFactory
from tests.training.factories import CompletionFactory, ModuleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(checked_page, email, next_path):
    checked_page.goto(f"/connexion/?next={next_path}")
    page = checked_page.page
    page.get_by_label("Adresse e-mail professionnelle").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**{next_path}")


def test_training_pages_are_accessible(checked_page, tmp_path):
    """An administrator walks through every training page, meeting a refused completion and an
    import with a bad line: zero axe violation, zero CSP violation."""
    sync_platform_modules(TrainingModule)  # transactional tests flush the data migration's rows
    network = StructureFactory(name="Réseau CAF")
    gard = StructureFactory(kind=StructureKind.ADMINISTRATION, name="CAF du Gard", parent=network)
    nimes = StructureFactory(kind=StructureKind.SITE, name="Accueil de Nîmes", parent=gard)
    agent = AgentFactory(structure=nimes, first_name="Camille", last_name="Fabre")
    module = ModuleFactory(code="accueil-test", title="Accueil de test")
    CompletionFactory(
        agent=agent, module=module, completed_on=timezone.localdate() - dt.timedelta(days=900)
    )
    admin = MembershipFactory(role=Role.ADMINISTRATOR, structure=gard).user

    _log_in(checked_page, admin.email, "/espace-agent/formations/")
    page = checked_page.page
    assert "La loi ESSOC et le droit à l'erreur" in page.locator("main").inner_text()
    checked_page.assert_clean("training-catalogue")

    checked_page.goto("/espace-agent/formations/couverture/")
    assert "Camille Fabre" in page.locator("main").inner_text()
    checked_page.assert_clean("training-coverage")

    checked_page.goto("/espace-agent/formations/agents/")
    checked_page.assert_clean("training-agents")

    checked_page.goto(f"/espace-agent/formations/agents/{agent.pk}/")
    page.get_by_label("Module").select_option(label="Accueil de test")
    page.get_by_label("Date de la formation").fill("2025-03-14")
    page.get_by_label("Organisme de formation").fill("Institut régional")
    page.get_by_role("button", name="Enregistrer la formation").click()
    page.wait_for_load_state("load")
    assert "Joignez l'attestation ou indiquez sa référence." in page.locator("main").inner_text()
    assert page.get_by_label("Organisme de formation").input_value() == "Institut régional"
    checked_page.assert_clean("training-agent-form-error")

    checked_page.goto("/espace-agent/formations/modules/nouveau/")
    checked_page.assert_clean("training-module-form")

    checked_page.goto("/espace-agent/formations/import/")
    checked_page.assert_clean("training-import")
    export = tmp_path / "export.csv"
    export.write_text(
        "e-mail;module;date;organisme;référence\n"
        f"{agent.user.email};accueil-test;14/03/2025;Institut;A1\n"
        "inconnu@exemple.test;accueil-test;14/03/2025;Institut;A2\n",
        encoding="utf-8",
    )
    page.get_by_label("Export CSV de l'organisme").set_input_files(str(export))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/espace-agent/formations/import/*/")
    main = page.locator("main").inner_text()
    assert "1 importée" in main
    assert "aucun agent de votre périmètre" in main
    checked_page.assert_clean("training-import-report")
