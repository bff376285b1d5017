"""Public pages of the catalogue: only published content, stale notice, history, few queries."""

from html import unescape

import pytest
from django.urls import reverse

from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from tests.advice.factories import EntryFactory, LifeEventFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def publish(entry, note="Première publication."):
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=None, change_kind="major", change_note=note)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def catalogue():
    owner = StructureFactory(name="Caisse d'allocations familiales")
    event = LifeEventFactory(slug="je-demenage", title="Je déménage")
    published = [
        publish(EntryFactory(owners=[owner], life_events=[event], title=f"J'oublie la chose {n}"))
        for n in range(3)
    ]
    draft = EntryFactory(owners=[owner], life_events=[event], title="Brouillon pas prêt")
    return {"owner": owner, "event": event, "published": published, "draft": draft}


def test_home_and_audience_list_life_events_with_published_entries(client, catalogue):
    """The home lists each audience's life events that have published entries, in few queries."""
    LifeEventFactory(title="Événement sans conseil")
    response = client.get(reverse("advice:home"))
    html = response.content.decode()
    assert "Je déménage" in html
    assert "Événement sans conseil" not in html
    response = client.get(reverse("advice:audience", args=["particuliers"]))
    assert "Je déménage" in response.content.decode()
    assert client.get(reverse("advice:audience", args=["inconnu"])).status_code == 404


def test_life_event_lists_published_entries_only(client, catalogue, django_assert_max_num_queries):
    """A life event page lists its published entries, never drafts, with a bounded number of
    queries whatever the number of entries."""
    url = reverse("advice:life_event", args=["particuliers", "je-demenage"])
    with django_assert_max_num_queries(4):
        response = client.get(url)
    html = unescape(response.content.decode())
    for entry in catalogue["published"]:
        assert entry.title in html
    assert "Brouillon pas prêt" not in html


def test_entry_page_shows_the_published_version_stamp_and_history(client, catalogue):
    """The entry page shows the published text (not later edits), "Vérifié le … par …", the
    change history and a link to the right-to-error checker; drafts are not found."""
    entry = catalogue["published"][0]
    entry.advice = "Texte modifié mais pas encore publié."
    entry.save()
    html = client.get(reverse("advice:entry", args=[entry.slug])).content.decode()
    assert "Texte modifié" not in html
    assert "Vérifié le" in html
    assert (
        "Caisse d&#x27;allocations familiales" in html or "Caisse d'allocations familiales" in html
    )
    assert "Première publication." in html
    assert reverse("right_to_error:checker") in html
    draft = catalogue["draft"]
    assert client.get(reverse("advice:entry", args=[draft.slug])).status_code == 404


def test_entry_under_review_shows_a_discreet_notice(client, catalogue):
    """An entry marked "à revoir" tells the public it is being updated."""
    entry = catalogue["published"][1]
    url = reverse("advice:entry", args=[entry.slug])
    assert "en cours de relecture" not in client.get(url).content.decode()
    entry.needs_review = True
    entry.save()
    assert "en cours de relecture" in client.get(url).content.decode()


def test_texts_are_escaped_and_bullets_become_lists(client, catalogue):
    """Advice texts are plain text: markup is escaped; "- " lines become a list."""
    entry = catalogue["published"][2]
    entry.advice = "Deux gestes :\n- garder le courrier\n- noter la date <script>x</script>"
    entry.save()
    publish(entry, note="Conseil détaillé.")
    html = client.get(reverse("advice:entry", args=[entry.slug])).content.decode()
    assert "<li>garder le courrier</li>" in html
    assert "<script>x</script>" not in html
