"""The catalogue's search page in Chromium: results, no result and bad input, axe- and CSP-clean."""

from urllib.parse import quote

import pytest

from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory, LifeEventFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_page_is_accessible(checked_page):
    """The search page with highlighted results, with no result, and with a 400 message passes
    axe-core and breaks no CSP rule; the home's search bar leads to it."""
    owner = StructureFactory(name="Caisse d'allocations familiales")
    event = LifeEventFactory(slug="je-demenage", title="Je déménage")
    for n, title in enumerate(
        ["J'oublie de signaler mon déménagement", "Je déclare mon déménagement trop tard"]
    ):
        entry = EntryFactory(
            owners=[owner],
            life_events=[event],
            status=EntryStatus.IN_REVIEW,
            title=title,
            consequence=f"Après un déménagement, vos aides sont recalculées ({n}).",
            advice="Signalez la nouvelle adresse <b>dès</b> que vous la connaissez.",
        )
        entry_publish(entry=entry, user=None, change_kind="major", change_note="Publication.")

    checked_page.goto("/conseils/")
    checked_page.page.fill("#recherche-accueil-texte", "déménagement")
    checked_page.page.press("#recherche-accueil-texte", "Enter")
    checked_page.page.wait_for_load_state("load")
    main = checked_page.page.locator("main")
    assert "2 conseils trouvés" in main.inner_text()
    assert checked_page.page.locator("main mark").count() >= 2
    assert checked_page.page.locator("main b").count() == 0  # entry markup stays text
    checked_page.assert_clean("advice-search-results")

    checked_page.goto(f"/conseils/recherche/?q={quote('ornithorynque')}&public=particuliers")
    assert "Aucun résultat" in checked_page.page.locator("main").inner_text()
    checked_page.assert_clean("advice-search-no-result")

    response = checked_page.goto(f"/conseils/recherche/?q={'a' * 201}")
    assert response.status == 400
    assert "trop longue" in checked_page.page.locator("main").inner_text()
    checked_page.assert_clean("advice-search-bad-request")
