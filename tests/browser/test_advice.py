"""The advice catalogue's public pages in Chromium: axe-clean and CSP-clean."""

import pytest

from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory, LifeEventFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_catalogue_pages_are_accessible(checked_page):
    """Home, audience, life event and entry pages pass axe-core and break no CSP rule."""
    owner = StructureFactory(name="Caisse d'allocations familiales")
    event = LifeEventFactory(slug="je-demenage", title="Je déménage")
    entry = EntryFactory(
        owners=[owner],
        life_events=[event],
        status=EntryStatus.IN_REVIEW,
        title="J'oublie de signaler mon déménagement",
        advice="Deux gestes :\n- signaler la nouvelle adresse\n- garder l'accusé de réception",
        example="Départ le 3 mars, signalé le 20 avril : l'aide est recalculée.",
    )
    entry_publish(entry=entry, user=None, change_kind="major", change_note="Première publication.")
    entry.refresh_from_db()
    entry.needs_review = True
    entry.save()
    pages = {
        "advice-home": "/conseils/",
        "advice-audience": "/conseils/particuliers/",
        "advice-life-event": "/conseils/particuliers/je-demenage/",
        "advice-entry": f"/conseils/erreur/{entry.slug}/",
    }
    for name, url in pages.items():
        checked_page.goto(url)
        checked_page.assert_clean(name)
    assert "en cours de relecture" in checked_page.page.locator("main").inner_text()
