"""Public transparency pages: the published numbers, « secret statistique » in place of the
hidden ones, the threshold sentence, completed actions only (never who did them), 404s."""

import pytest
from django.urls import reverse

from bonnefoi.observatory.models import ActionStatus
from tests.observatory.publication_factories import World, action, rebuild_and_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    built = World()
    rebuild_and_publish()
    return built


def page(client, structure=None):
    url = (
        reverse("transparency:national")
        if structure is None
        else reverse("transparency:structure", args=[structure.pk])
    )
    return client.get(url)


def test_national_page_shows_the_published_numbers_and_the_secret(client, world):
    """68 received and 32 decisions are shown; the hidden granted and refused decisions read
    « secret statistique », and the share granted is not computed from hidden numbers."""
    response = page(client)
    assert response.status_code == 200
    body = response.content.decode()
    received = body.split("Déclarations d&#x27;erreur reçues</th>")[1].split("</tr>")[0]
    assert "68" in received
    assert "Aucun nombre inférieur à 10 n'est affiché" in body
    assert "masqués pour qu'on ne puisse pas les retrouver par soustraction" in body
    assert body.count("secret statistique") >= 3
    assert " %" not in body.split('id="erreurs"')[0].split("Part du droit")[1].split("</tr>")[0]
    assert "5 jours" in body
    assert reverse("transparency:structure", args=[world.north.pk]) in body
    assert reverse("transparency:structure", args=[world.empty.pk]) not in body


def test_a_structure_page_shows_its_numbers(client, world):
    """Réseau Sud: 40 received, 12 decisions, all granted: the share (100,0 %) is shown."""
    body = page(client, world.south).content.decode()
    assert "Réseau Sud" in body
    assert "40" in body
    assert "12" in body
    assert "100,0 %" in body
    assert reverse("transparency:structure", args=[world.south_admin.pk]) in body


def test_a_small_site_shows_the_secret_in_place_of_its_count(client, world):
    """Site Deux (3 cases): its page exists, with « secret statistique » and no 3."""
    body = page(client, world.site_two).content.decode()
    assert "secret statistique" in body
    marker = "Déclarations d&#x27;erreur reçues</th>"
    assert marker in body
    row = body.split(marker)[1].split("</tr>")[0]
    assert "secret statistique" in row
    assert "3" not in row


def test_structures_without_published_figures_answer_404(client, world):
    """A structure without a case in the window, and an unknown one, have no page."""
    assert page(client, world.empty).status_code == 404
    assert client.get(reverse("transparency:structure", args=[999999])).status_code == 404


def test_the_most_frequent_error_links_to_its_advice_page(client, world):
    """The national ranking lists the published entry with a link to its advice page; its
    15 cases beside 10 untagged ones are secret (the untagged cases are never published)."""
    body = page(client).content.decode()
    assert reverse("advice:entry", args=[world.entry.slug]) in body
    assert "J&#x27;oublie de déclarer mon déménagement" in body


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (ActionStatus.DONE, True),
        (ActionStatus.PLANNED, False),
        (ActionStatus.IN_PROGRESS, False),
        (ActionStatus.ABANDONED, False),
    ],
)
def test_only_completed_actions_are_listed_without_their_owner(client, world, status, shown):
    """« Vous nous l'avez signalé, nous avons agi » lists completed actions of the subtree
    with what changed and the related error, never the name of the agent in charge."""
    done = action(
        world.site_one,
        status=status,
        summary="Une case dédiée au déménagement.",
        entries=[world.entry],
    )
    rebuild_and_publish()
    for scope in (None, world.north, world.site_one):
        body = page(client, scope).content.decode()
        assert ("Une case dédiée au déménagement." in body) is shown
        assert done.owner.last_name not in body
        assert done.owner.first_name not in body
    other = page(client, world.south).content.decode()
    assert "Une case dédiée au déménagement." not in other


def test_a_new_publication_is_seen_at_once_despite_the_page_cache(client, world, settings):
    """publish() invalidates the public page cache: the new count shows on the next visit."""
    from tests.observatory.publication_factories import cases

    settings.PUBLIC_CACHE_SECONDS = 300
    assert "40" in page(client, world.south_admin).content.decode()
    cases(world.south_admin, world.procedure, 11)
    assert "51" not in page(client, world.south_admin).content.decode()
    rebuild_and_publish()
    assert "51" in page(client, world.south_admin).content.decode()


def test_the_open_data_files_are_served(client, world):
    """Each file linked from the pages answers 200 with its type; an unknown name is 404."""
    response = client.get(reverse("transparency:open_data", args=["indicators.csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "Réseau Sud" in response.content.decode()
    assert client.get(reverse("transparency:open_data", args=["x.csv"])).status_code == 404


def test_the_national_page_before_any_publication(client):
    """Before the first publication the page says so (no error)."""
    body = page(client).content.decode()
    assert "Aucun chiffre n'a encore été publié" in body
