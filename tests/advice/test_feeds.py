"""Atom feeds of the catalogue: one item per published version, newest first, valid Atom with
absolute links and unique ids; per audience, life event, procedure and administration."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnefoi.advice.models import Audience, EntryStatus, EntryVersion
from bonnefoi.structures.models import StructureKind
from tests.advice.factories import EntryFactory, LifeEventFactory, ProcedureFactory, publish_entry
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def catalogue():
    caf = StructureFactory(name="Caisse d'allocations familiales", sp_code="DEMO-CNAF")
    office = StructureFactory(kind=StructureKind.ADMINISTRATION, parent=caf, sp_code="CAF-30")
    dgfip = StructureFactory(name="Finances publiques", sp_code="DEMO-DGFIP")
    moving = LifeEventFactory(slug="je-demenage", title="Je déménage")
    hiring = LifeEventFactory(slug="j-embauche", audience=Audience.PROFESSIONNEL)
    housing = ProcedureFactory(slug="aide-logement")
    address = publish_entry(
        EntryFactory(
            slug="adresse",
            title="J'oublie de signaler mon adresse",
            owners=[caf],
            life_events=[moving],
        ),
        procedures=[housing],
    )
    rent = publish_entry(
        EntryFactory(slug="loyer", owners=[office], life_events=[moving]), procedures=[housing]
    )
    pro = publish_entry(
        EntryFactory(
            slug="embauche", audience=Audience.PROFESSIONNEL, owners=[dgfip], life_events=[hiring]
        )
    )
    # version 2 of the first entry, published last
    address.fix = "Signalez-le en ligne dans le mois."
    publish_entry(address, note="Délai ajouté.", kind="minor")
    EntryFactory(slug="brouillon", owners=[caf], life_events=[moving]).procedures.set([housing])
    archived = publish_entry(EntryFactory(slug="archive", owners=[caf], life_events=[moving]))
    archived.status = EntryStatus.ARCHIVED
    archived.save()
    # publication dates in a known order: rent, pro, address v1, address v2
    now = timezone.now()
    for minutes, (entry, number) in enumerate(
        [(rent, 1), (pro, 1), (address, 1), (address, 2)], start=1
    ):
        EntryVersion.objects.filter(entry=entry, number=number).update(
            published_at=now - timedelta(hours=1) + timedelta(minutes=minutes)
        )
    return {"caf": caf, "address": address, "rent": rent, "pro": pro}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, ET.fromstring(response.content)  # noqa: S314 (our own output)


def entry_ids(feed) -> list[str]:
    return [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]


def test_catalogue_feed_is_valid_atom_newest_first(client, catalogue):
    """The whole-catalogue feed is Atom (namespace, id, title, updated, author, self link), with
    one entry per published version, newest first, each with an absolute link, a unique id, an
    updated date, an author (the administration) and its change note; no draft nor archived."""
    response, feed = parse(client, reverse("advice:feed"))
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert feed.findtext(f"{ATOM}id") == "http://testserver/conseils/flux/"
    assert feed.findtext(f"{ATOM}title").startswith("Erreurs fréquentes")
    assert feed.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://testserver/conseils/flux/"
    assert links["alternate"] == "http://testserver/conseils/"
    ids = entry_ids(feed)
    assert ids == [
        "http://testserver/conseils/erreur/adresse/#version-2",
        "http://testserver/conseils/erreur/adresse/#version-1",
        "http://testserver/conseils/erreur/embauche/#version-1",
        "http://testserver/conseils/erreur/loyer/#version-1",
    ]
    assert len(set(ids)) == len(ids)
    newest = feed.find(f"{ATOM}entry")
    assert newest.findtext(f"{ATOM}title") == (
        "J'oublie de signaler mon adresse (mise à jour, version 2)"
    )
    assert newest.find(f"{ATOM}link").get("href") == "http://testserver/conseils/erreur/adresse/"
    assert "Délai ajouté." in newest.findtext(f"{ATOM}summary")
    assert newest.find(f"{ATOM}summary").get("type") == "html"
    assert newest.findtext(f"{ATOM}author/{ATOM}name") == "Caisse d'allocations familiales"
    updated = [entry.findtext(f"{ATOM}updated") for entry in feed.findall(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("advice:feed_audience", ["professionnels"], ["embauche#1"]),
        ("advice:feed_audience", ["particuliers"], ["adresse#2", "adresse#1", "loyer#1"]),
        ("advice:feed_life_event", ["je-demenage"], ["adresse#2", "adresse#1", "loyer#1"]),
        ("advice:feed_procedure", ["aide-logement"], ["adresse#2", "adresse#1", "loyer#1"]),
        # an administration's feed covers the structures under it
        ("advice:feed_owner", ["DEMO-CNAF"], ["adresse#2", "adresse#1", "loyer#1"]),
        ("advice:feed_owner", ["CAF-30"], ["loyer#1"]),
        ("advice:feed_owner", ["DEMO-DGFIP"], ["embauche#1"]),
    ],
)
def test_filtered_feeds(client, catalogue, name, args, expected):
    """Per audience, life event, procedure and administration, each feed holds the versions of
    the matching published entries only, newest first, under its own feed id."""
    url = reverse(name, args=args)
    _response, feed = parse(client, url)
    assert feed.findtext(f"{ATOM}id") == f"http://testserver{url}"
    got = [
        entry_id.removeprefix("http://testserver/conseils/erreur/").replace("/#version-", "#")
        for entry_id in entry_ids(feed)
    ]
    assert got == expected


def test_life_event_feed_links_to_its_page(client, catalogue):
    """The life-event feed's alternate link is the life event's public page."""
    _response, feed = parse(client, reverse("advice:feed_life_event", args=["je-demenage"]))
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/conseils/particuliers/je-demenage/"
    assert feed.findtext(f"{ATOM}title").startswith("Erreurs fréquentes — Je déménage")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("advice:feed_audience", ["inconnus"]),
        ("advice:feed_life_event", ["inconnu"]),
        ("advice:feed_procedure", ["inconnue"]),
        ("advice:feed_owner", ["INCONNU"]),
    ],
)
def test_unknown_filters_are_404(client, catalogue, name, args):
    """A feed for an unknown audience, life event, procedure or administration does not exist."""
    assert client.get(reverse(name, args=args)).status_code == 404


def test_empty_feed_is_still_valid(client):
    """With nothing published the feed is valid Atom with an updated date and no entry."""
    _response, feed = parse(client, reverse("advice:feed"))
    assert feed.findtext(f"{ATOM}updated")
    assert feed.findall(f"{ATOM}entry") == []


def test_feeds_are_read_only(client, catalogue):
    """Feeds answer GET and HEAD only."""
    assert client.head(reverse("advice:feed")).status_code == 200
    assert client.post(reverse("advice:feed")).status_code == 405


def test_feed_runs_a_constant_number_of_queries(client, catalogue, django_assert_num_queries):
    """The catalogue feed costs one query whatever the number of published versions, the
    filtered feeds one more to find their object."""
    with django_assert_num_queries(1):
        client.get(reverse("advice:feed"))
    for n in range(5):
        publish_entry(EntryFactory(slug=f"autre-{n}"))
    with django_assert_num_queries(1):
        _response, feed = parse(client, reverse("advice:feed"))
    assert len(feed.findall(f"{ATOM}entry")) == 9
    with django_assert_num_queries(2):
        client.get(reverse("advice:feed_owner", args=["DEMO-CNAF"]))
