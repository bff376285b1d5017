"""The embeddable widget: filters, published entries only, no cookie, framable on its route only,
neutral theme, few queries; and the page that explains how to embed it."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from bonnefoi.advice.models import EntryStatus
from bonnefoi.advice.services import entry_publish
from bonnefoi.advice.views import widget as widget_views
from tests.advice.factories import EntryFactory, LifeEventFactory, ProcedureFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

WIDGET_URL = "/conseils/widget/"


def publish(entry):
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=None, change_kind="major", change_note="Publication.")
    entry.refresh_from_db()
    return entry


@pytest.fixture
def catalogue():
    caf = StructureFactory(name="Caisse nationale", sp_code="CNAF")
    local = StructureFactory(administration=True, parent=caf, name="CAF du Gard", sp_code="CAF30")
    urssaf = StructureFactory(name="Urssaf", sp_code="URSSAF")
    rsa = ProcedureFactory(slug="demande-rsa", title="Demander le RSA")
    other_procedure = ProcedureFactory(slug="declarer-embauche", title="Déclarer une embauche")
    moving = LifeEventFactory(slug="je-demenage", title="Je déménage")
    hiring = LifeEventFactory(slug="j-embauche", title="J'embauche")

    def entry(title, owner, procedure, event, published=True):
        made = EntryFactory(
            title=title,
            owners=[owner],
            life_events=[event],
            advice="Deux gestes :\n- signaler la nouvelle adresse\n- garder l'accusé de réception",
        )
        made.procedures.set([procedure])
        return publish(made) if published else made

    return {
        "national": entry("J'oublie le revenu de mon conjoint", caf, rsa, moving),
        "local": entry("Je déclare mon déménagement en retard", local, rsa, moving),
        "urssaf": entry("J'oublie la déclaration préalable", urssaf, other_procedure, hiring),
        "draft": entry("Brouillon du RSA", caf, rsa, moving, published=False),
    }


def titles(response) -> set[str]:
    html = unescape(response.content.decode())
    return set(re.findall(r'rel="noopener">([^<]+)<span class="bf-widget__sr-only">', html)) - {
        "Tous les conseils sur Bonne foi"
    }


def test_widget_filters_by_procedure_owner_subtree_and_life_event(client, catalogue):
    """?procedure= lists that procedure's entries, ?owner= (Services Publics+ code) those of the
    administration and of the services under it, ?life_event= that event's; filters combine."""
    national, local, urssaf = (
        catalogue["national"].title,
        catalogue["local"].title,
        catalogue["urssaf"].title,
    )
    assert titles(client.get(WIDGET_URL, {"procedure": "demande-rsa"})) == {national, local}
    assert titles(client.get(WIDGET_URL, {"owner": "CNAF"})) == {national, local}
    assert titles(client.get(WIDGET_URL, {"owner": "CAF30"})) == {local}
    assert titles(client.get(WIDGET_URL, {"life_event": "j-embauche"})) == {urssaf}
    assert titles(client.get(WIDGET_URL, {"procedure": "demande-rsa", "owner": "URSSAF"})) == set()


def test_widget_shows_only_published_entries(client, catalogue):
    """Drafts and archived entries never appear, even when they match the filter."""
    national = catalogue["national"]
    national.status = EntryStatus.ARCHIVED
    national.save()
    shown = titles(client.get(WIDGET_URL, {"procedure": "demande-rsa"}))
    assert shown == {catalogue["local"].title}


def test_widget_items_link_to_the_full_entry_in_a_new_tab(client, catalogue):
    """Each item: the title linking to the entry page on the platform (absolute address, new
    tab, said to screen readers) and the advice shortened to one line."""
    html = client.get(WIDGET_URL, {"owner": "CAF30"}).content.decode()
    url = "http://testserver" + reverse("advice:entry", args=[catalogue["local"].slug])
    assert f'<a href="{url}" target="_blank" rel="noopener">' in html
    assert "(nouvelle fenêtre)" in html
    assert "Deux gestes : signaler la nouvelle adresse ; garder l&#x27;accusé de réception" in html


def test_widget_sets_no_cookie(client, catalogue):
    """No session, no CSRF cookie, nothing: embedding the widget needs no consent banner."""
    for params in ({"procedure": "demande-rsa"}, {}, {"owner": "INCONNU"}):
        response = client.get(WIDGET_URL, params)
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
    assert not client.cookies


def test_widget_alone_may_be_framed(client, catalogue):
    """The widget's CSP allows any site to frame it and it has no X-Frame-Options; every other
    page keeps X-Frame-Options: DENY and frame-ancestors 'none'."""
    response = client.get(WIDGET_URL, {"procedure": "demande-rsa"})
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "X-Frame-Options" not in response.headers
    assert "'unsafe-inline'" not in policy
    for url in (
        reverse("advice:entry", args=[catalogue["local"].slug]),
        reverse("advice:embed_help"),
        reverse("advice:home"),
    ):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_frame_ancestors_come_from_settings(client, catalogue, settings):
    """WIDGET_FRAME_ANCESTORS (from the environment) restricts which sites may frame it."""
    settings.WIDGET_FRAME_ANCESTORS = ["https://www.caf.fr", "https://*.gouv.fr"]
    response = client.get(WIDGET_URL, {"procedure": "demande-rsa"})
    assert (
        "frame-ancestors https://www.caf.fr https://*.gouv.fr"
        in response.headers["Content-Security-Policy"]
    )


def test_widget_theme_is_neutral(client, catalogue):
    """No Marianne, no DSFR, no République: the widget is shown on sites that are not the
    State's. Its page loads only its own stylesheet and script."""
    html = client.get(WIDGET_URL, {"procedure": "demande-rsa"}).content.decode()
    css = Path(finders.find("advice/widget.css")).read_text()
    for text in (html, css):
        for forbidden in ("Marianne", "République", "Republique", "dsfr", "fr-header"):
            assert forbidden.lower() not in text.lower()
    assert '<html lang="fr">' in html
    assert re.findall(r'(?:src|href)="(/static/[^"]+)"', html) == [
        "/static/advice/widget.css",
        "/static/advice/widget-frame.js",
    ]
    assert "<style" not in html
    assert "style=" not in html
    assert "<script>" not in html


def test_widget_query_count_does_not_grow_with_entries(
    client, catalogue, django_assert_max_num_queries
):
    """Two queries per filter at most (the filter, the entries), whatever the number of entries."""
    for _ in range(15):
        made = EntryFactory(owners=[catalogue["national"].owners.get()])
        made.procedures.set([catalogue["national"].procedures.get()])
        publish(made)
    with django_assert_max_num_queries(2):
        response = client.get(WIDGET_URL, {"procedure": "demande-rsa"})
    assert len(titles(response)) == 17
    with django_assert_max_num_queries(4):
        client.get(WIDGET_URL, {"owner": "CNAF", "life_event": "je-demenage"})


def test_widget_shows_at_most_the_limit(client, catalogue, monkeypatch):
    """Past WIDGET_LIMIT entries, the widget stops and says more are on the platform."""
    monkeypatch.setattr(widget_views, "WIDGET_LIMIT", 1)
    html = unescape(client.get(WIDGET_URL, {"procedure": "demande-rsa"}).content.decode())
    assert len(titles(client.get(WIDGET_URL, {"procedure": "demande-rsa"}))) == 1
    assert "D'autres conseils sont publiés" in html


def test_widget_without_or_with_unknown_filter_explains_in_french(client, catalogue):
    """No filter: a page saying how to choose one; an unknown one: 404 saying which."""
    response = client.get(WIDGET_URL)
    assert response.status_code == 200
    assert "Précisez une démarche (procedure)" in unescape(response.content.decode())
    response = client.get(WIDGET_URL, {"procedure": "inconnue"})
    assert response.status_code == 404
    assert "Aucune démarche ne porte l'identifiant « inconnue »" in unescape(
        response.content.decode()
    )
    assert client.get(WIDGET_URL, {"owner": "NOPE"}).status_code == 404
    assert client.get(WIDGET_URL, {"life_event": "nope"}).status_code == 404


def test_embed_help_gives_both_snippets(client, catalogue):
    """« Intégrer les conseils sur votre site » shows the one-line script and the iframe, filled
    for the chosen procedure, administration or life event."""
    response = client.get(reverse("advice:embed_help"), {"filtre": "owner:CAF30"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert (
        '<script src="http://testserver/static/advice/widget.js" data-owner="CAF30" async></script>'
        in html
    )
    assert '<iframe src="http://testserver/conseils/widget/?owner=CAF30"' in html
    html = unescape(
        client.get(
            reverse("advice:embed_help"), {"filtre": "life_event:je-demenage"}
        ).content.decode()
    )
    assert 'data-life-event="je-demenage" async></script>' in html
    # By default, the first procedure with published entries.
    html = unescape(client.get(reverse("advice:embed_help")).content.decode())
    assert 'data-procedure="declarer-embauche"' in html or 'data-procedure="demande-rsa"' in html


def test_embed_help_refuses_an_unknown_choice_in_french(client, catalogue):
    """An unknown choice is a 400 that names what was typed."""
    response = client.get(reverse("advice:embed_help"), {"filtre": "procedure:zzz"})
    assert response.status_code == 400
    assert "« procedure:zzz » ne fait pas partie de la liste" in unescape(response.content.decode())


def test_embed_help_before_any_publication(client):
    """With nothing published, the page says the snippets will come with the first entry."""
    response = client.get(reverse("advice:embed_help"))
    assert response.status_code == 200
    assert "Aucun conseil n'est encore publié" in unescape(response.content.decode())


def test_an_entry_under_revision_stays_in_the_widget_and_its_choices(client, catalogue):
    """While its next version is drafted, a published entry stays in the widget and its
    procedure stays offered on the embed page, like everywhere else on the public side."""
    entry = catalogue["urssaf"]
    entry.status = EntryStatus.DRAFT
    entry.save()
    response = client.get(WIDGET_URL, {"procedure": "declarer-embauche"})
    assert entry.title in titles(response)
    choices = [value for _group, items in widget_views._embed_choices() for value, _ in items]
    assert "procedure:declarer-embauche" in choices
    assert "owner:URSSAF" in choices
