"""French full-text search of the catalogue, on SQLite (FTS5) and PostgreSQL (tsvector, pg_trgm).

The suite runs on both backends: behaviour that only PostgreSQL offers (French stemming, typos
in the first letters of a word) is skipped on SQLite with the reason; no test depends on the
exact ranking, which differs between the two engines.
"""

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Audience, EntryStatus, SearchDocument, ZeroResultSearch
from bonnefoi.advice.search import (
    MAX_QUERY_LENGTH,
    clean_query_for_log,
    fts5_expression,
    search_entries,
    search_index_entry,
    search_rebuild_index,
    search_remove_entry,
)
from bonnefoi.advice.services import entry_archive, entry_publish
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import EntryFactory, LifeEventFactory, ProcedureFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite FTS5 has no French stemmer and no trigram similarity (see search.py)",
)


def publish(entry, note="Première publication."):
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=None, change_kind="major", change_note=note)
    entry.refresh_from_db()
    return entry


def slugs(results):
    return {hit.slug for hit in results.hits}


@pytest.fixture
def catalogue():
    caf = StructureFactory(name="Caisse d'allocations familiales")
    impots = StructureFactory(name="Direction générale des finances publiques")
    moving = LifeEventFactory(slug="je-demenage", title="Je déménage")
    separation = LifeEventFactory(slug="je-me-separe", title="Je me sépare")
    pro_event = LifeEventFactory(
        slug="je-cree-mon-entreprise", audience=Audience.PROFESSIONNEL, title="Je crée"
    )
    entries = {
        "moving": publish(
            EntryFactory(
                slug="demenagement-non-signale",
                owners=[caf],
                life_events=[moving],
                title="J'oublie de signaler mon déménagement à la caisse",
                consequence="Vos aides au logement sont calculées sur une ancienne adresse.",
                advice="Signalez la nouvelle adresse dès que vous avez les clés.",
                fix="Déclarez le changement en ligne, avec la date exacte.",
            )
        ),
        "pension": publish(
            EntryFactory(
                slug="pension-alimentaire-oubliee",
                owners=[impots],
                life_events=[separation],
                title="J'oublie la pension alimentaire que je reçois",
                consequence="L'administration fiscale la découvre et vous demande un rappel.",
                advice="Il faut déclarer la somme reçue chaque année, avec vos revenus.",
                fix="Corrigez votre déclaration en ligne avant la fin de l'année.",
            )
        ),
        "pro": publish(
            EntryFactory(
                slug="pro-adresse-siege",
                audience=Audience.PROFESSIONNEL,
                owners=[impots],
                life_events=[pro_event],
                title="Je ne signale pas le transfert du siège de mon entreprise",
                consequence="Les courriers partent à l'ancienne adresse après le déménagement.",
                advice="Faites la formalité de transfert dans le mois.",
                fix="Régularisez auprès du guichet des formalités des entreprises.",
            )
        ),
    }
    draft = EntryFactory(
        slug="brouillon-demenagement",
        owners=[caf],
        life_events=[moving],
        title="Brouillon sur le déménagement",
        consequence="Ce texte n'est pas encore relu.",
    )
    return {"caf": caf, "impots": impots, "entries": entries, "draft": draft}


def test_accents_do_not_matter(catalogue):
    """A query with missing or misplaced accents finds the accented text (unaccent / FTS5
    remove_diacritics), and the excerpt marks the matching words."""
    for query in ("démenagement", "demenagement", "DÉMÉNAGEMENT"):
        results = search_entries(query)
        assert "demenagement-non-signale" in slugs(results), query
        assert not results.approximate
    hit = next(h for h in search_entries("adresse").hits if h.slug == "demenagement-non-signale")
    assert "<mark>adresse</mark>" in hit.excerpt_html


def test_ligatures_are_spelt_out(catalogue):
    """ "soeur" finds "sœur" and the other way round, on both backends."""
    publish(EntryFactory(slug="soeur", title="J'héberge ma sœur sans le dire"))
    assert "soeur" in slugs(search_entries("soeur"))
    assert "soeur" in slugs(search_entries("sœur"))


def test_plural_query_finds_singular_text(catalogue):
    """ "pensions alimentaires" finds "pension alimentaire": French stemming on PostgreSQL, a final
    plural s/x dropped from the prefix query on SQLite."""
    assert "pension-alimentaire-oubliee" in slugs(search_entries("pensions alimentaires"))
    assert "pension-alimentaire-oubliee" in slugs(search_entries("pension"))


@postgresql_only
def test_french_stemming_joins_word_forms(catalogue):
    """PostgreSQL's French stemmer joins forms of one word: "déclarations" finds "déclarer",
    "signalements" finds "signalez"."""
    assert "pension-alimentaire-oubliee" in slugs(search_entries("déclarations"))
    assert "demenagement-non-signale" in slugs(search_entries("signalements"))


def test_typo_is_recovered_by_the_fallback(catalogue):
    """A query with a typo after the first letters ("demenagment") finds nothing exactly, then
    the typo fallback finds the entry (both backends); the excerpt marks the word it matched."""
    results = search_entries("demenagment")
    assert results.approximate
    assert "demenagement-non-signale" in slugs(results)
    assert "brouillon-demenagement" not in slugs(results)
    results = search_entries("logemet")
    assert results.approximate
    hit = next(h for h in results.hits if h.slug == "demenagement-non-signale")
    assert "<mark>logement</mark>" in hit.excerpt_html


@postgresql_only
def test_typo_in_the_first_letters_is_recovered_on_postgresql(catalogue):
    """Trigram similarity finds a word whatever the place of the typo ("xemenagement");
    SQLite's fallback needs the first four letters right."""
    results = search_entries("xemenagement")
    assert results.approximate
    assert "demenagement-non-signale" in slugs(results)


def test_unrelated_words_find_nothing(catalogue):
    """A query matching nothing, even approximately, returns no hit; a query of stop words only
    returns nothing either."""
    assert search_entries("hélicoptère").total == 0
    assert search_entries("je de la").total == 0
    assert search_entries("   ").total == 0


def test_filters_by_audience_life_event_and_owner(catalogue):
    """Audience, life event and owner filters narrow the results in SQL; the owner filter
    includes the entries of the structures under it."""
    assert slugs(search_entries("adresse")) == {"demenagement-non-signale", "pro-adresse-siege"}
    assert slugs(search_entries("adresse", audience=Audience.PROFESSIONNEL)) == {
        "pro-adresse-siege"
    }
    assert slugs(search_entries("adresse", life_event="je-demenage")) == {
        "demenagement-non-signale"
    }
    assert slugs(search_entries("adresse", life_event="je-me-separe")) == set()
    assert slugs(search_entries("adresse", owner=catalogue["impots"].pk)) == {"pro-adresse-siege"}
    service = StructureFactory(kind=StructureKind.ADMINISTRATION, parent=catalogue["caf"])
    publish(
        EntryFactory(
            slug="service-local",
            owners=[service],
            title="J'oublie l'adresse du service local",
        )
    )
    assert slugs(search_entries("adresse", owner=catalogue["caf"].pk)) == {
        "demenagement-non-signale",
        "service-local",
    }
    assert slugs(search_entries("adresse", owner=service.pk)) == {"service-local"}


def test_filter_by_procedure(catalogue):
    """The optional procedure filter keeps the entries of one démarche (slug), in SQL."""
    procedure = ProcedureFactory(slug="declaration-revenus")
    entry = catalogue["entries"]["pension"]
    entry.procedures.set([procedure])
    publish(entry, note="Démarche ajoutée.")
    assert slugs(search_entries("déclaration", procedure="declaration-revenus")) == {
        "pension-alimentaire-oubliee"
    }
    assert search_entries("adresse", procedure="declaration-revenus").total == 0


def test_title_match_ranks_before_body_only_match(catalogue):
    """A word in the title weighs more than the same word in the body (A/B weights, bm25
    column weights); only this coarse order is asserted, not scores."""
    results = search_entries("déménagement")
    found = [hit.slug for hit in results.hits]
    assert found.index("demenagement-non-signale") < found.index("pro-adresse-siege")


def test_phrases_exclusion_and_alternatives(catalogue):
    """The websearch syntax works on both backends: "quoted phrase", -excluded word, or."""
    assert slugs(search_entries('"pension alimentaire"')) == {"pension-alimentaire-oubliee"}
    assert slugs(search_entries("adresse -entreprise")) == {"demenagement-non-signale"}
    assert search_entries("pension -fiscale").total == 0  # no approximate search around it
    assert slugs(search_entries("pension or siège")) == {
        "pension-alimentaire-oubliee",
        "pro-adresse-siege",
    }


def test_excerpts_are_escaped(client, catalogue):
    """Markup in an entry never reaches the page as markup: excerpts (exact and approximate)
    and titles are escaped; only <mark> tags are added."""
    publish(
        EntryFactory(
            slug="piege-html",
            title="<b>Titre</b> piégé",
            consequence='Texte <script>alert("x")</script> avec <img src=x onerror=alert(1)> '
            "le mot hippopotame dedans & un \ue000faux marqueur\ue001.",
        )
    )
    for query in ("hippopotame", "hippopotme"):
        hit = next(h for h in search_entries(query).hits if h.slug == "piege-html")
        html = hit.excerpt_html
        assert "<script" not in html
        assert "<img" not in html
        assert "\ue000" not in html
        assert html.replace("<mark>", "").replace("</mark>", "").count("<") == 0
        assert "<mark>" in html
    response = client.get(reverse("advice:search"), {"q": "hippopotame"})
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "<b>Titre</b>" not in body
    assert "&lt;b&gt;Titre&lt;/b&gt;" in body


def test_drafts_are_never_found_and_revisions_keep_the_published_text(catalogue):
    """An entry never published is neither indexed nor found. An entry whose next version is
    being drafted stays findable by its published text only (as its public page). An entry
    moved out of the public states is not found, even if its index row were left behind."""
    assert "brouillon-demenagement" not in slugs(search_entries("brouillon"))
    assert search_entries("brouillon").total == 0
    assert not SearchDocument.objects.filter(entry=catalogue["draft"]).exists()
    entry = catalogue["entries"]["pension"]
    entry.status = EntryStatus.DRAFT
    entry.advice = "Texte en cours de rédaction : capybara."
    entry.save()
    assert "pension-alimentaire-oubliee" in slugs(search_entries("pension"))
    assert search_entries("capybara").total == 0
    entry.status = EntryStatus.ARCHIVED
    entry.save()  # without search_remove_entry: the search still checks the entry itself
    assert "pension-alimentaire-oubliee" not in slugs(search_entries("pension"))
    assert search_entries("pension").total == 0


def test_republishing_updates_the_index(catalogue):
    """A new published version replaces the indexed text; later unpublished edits of the
    working copy are not searchable."""
    entry = catalogue["entries"]["pension"]
    entry.advice = "Pensez au formulaire de la girafe."
    entry.save()
    assert search_entries("girafe").total == 0
    publish(entry, note="Nouveau conseil.")
    assert slugs(search_entries("girafe")) == {"pension-alimentaire-oubliee"}
    assert SearchDocument.objects.get(entry=entry).version_number == 2
    entry.title = "Titre changé mais pas publié : zèbre"
    entry.save()
    assert search_entries("zèbre").total == 0


def test_archiving_removes_the_entry_from_the_search(catalogue):
    """entry_archive needs advice.publish on an owner, then takes the entry out of the index."""
    entry = catalogue["entries"]["moving"]
    editor = MembershipFactory(role=Role.EDITOR, structure=catalogue["caf"]).user
    with pytest.raises(PermissionDenied):
        entry_archive(entry=entry, user=editor)
    reviewer = MembershipFactory(role=Role.QUALITY_MANAGER, structure=catalogue["caf"]).user
    entry_archive(entry=entry, user=reviewer)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ARCHIVED
    assert "demenagement-non-signale" not in slugs(search_entries("déménagement"))
    assert not SearchDocument.objects.filter(entry=entry).exists()
    search_index_entry(entry)  # reindexing an archived entry keeps it out
    assert not SearchDocument.objects.filter(entry=entry).exists()


def test_rebuild_and_remove(catalogue):
    """The index can be rebuilt from the published entries, and an entry removed from it."""
    assert search_rebuild_index() == 3
    assert search_entries("déménagement").total == 2
    search_remove_entry(catalogue["entries"]["pro"])
    assert slugs(search_entries("déménagement")) == {"demenagement-non-signale"}


def test_pagination_counts_every_hit():
    """limit/offset page through the hits; total counts them all, also past the end."""
    event = LifeEventFactory()
    for n in range(5):
        publish(EntryFactory(life_events=[event], title=f"J'oublie la quittance numéro {n}"))
    first = search_entries("quittance", limit=2)
    second = search_entries("quittance", limit=2, offset=2)
    assert (first.total, second.total) == (5, 5)
    assert len(first.hits) == len(second.hits) == 2
    assert not slugs(first) & slugs(second)
    past = search_entries("quittance", limit=2, offset=10)
    assert (past.hits, past.total) == ([], 5)


def test_query_is_cut_at_the_maximum_length(catalogue):
    """search_entries never sends more than MAX_QUERY_LENGTH characters to the engine."""
    results = search_entries("pension " + "x" * 500)
    assert results.total == 0


def test_fts5_expression():
    """Queries become safe FTS5 expressions: prefix words, phrases, exclusions, alternatives;
    stop words and FTS5 syntax characters are dropped."""
    assert fts5_expression("Pensions alimentaires") == '"pension"* AND "alimentaire"*'
    assert fts5_expression('"aides au logement" -caf') == '"aides au logement" NOT "caf"*'
    assert fts5_expression("pension or siège") == '("pension"*) OR ("siege"*)'
    assert fts5_expression('NEAR(a b) * ^col: "') == '"near"* AND "col"*'
    assert fts5_expression("je de la") is None


@pytest.mark.parametrize(
    ("query", "cleaned"),
    [
        ("Mon e-mail jean.dupont+caf@example.org ne marche pas", "mon e-mail ne marche pas"),
        ("appeler le 06 12 34 56 78 ou +33 (0)1 23 45 67 89", "appeler le ou"),
        ("dossier 2024-123456 NIR 1 85 05 78 006 084 36", "dossier nir"),
        ("Allocation 1500€ logement", "allocation logement"),
        ("  ÉTÉ   Déménagement ", "été déménagement"),
        ("0612345678", ""),
    ],
)
def test_logged_query_is_stripped_of_personal_data(query, cleaned):
    """What the zero-result log keeps: no e-mail, no phone number, no digits, lowercased."""
    assert clean_query_for_log(query) == cleaned


def test_logged_query_is_cut_at_200_characters():
    """The logged query is at most 200 characters."""
    assert len(clean_query_for_log("mot " * 100)) <= 200


# --- the public page ------------------------------------------------------------------------


def test_search_page_shows_results_with_excerpts_and_links(client, catalogue):
    """The page lists the hits with their excerpt, audience and a link to the entry page, and
    says how many were found."""
    response = client.get(reverse("advice:search"), {"q": "déménagement"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "2 conseils trouvés" in html
    assert reverse("advice:entry", args=["demenagement-non-signale"]) in html
    assert "<mark>" in html
    assert "Brouillon" not in html


def test_search_page_filters(client, catalogue):
    """The page's filters (public, événement, administration) reach the search."""
    url = reverse("advice:search")
    html = client.get(url, {"q": "adresse", "public": "professionnels"}).content.decode()
    assert "pro-adresse-siege" in html
    assert "demenagement-non-signale" not in html
    html = client.get(url, {"q": "adresse", "evenement": "je-demenage"}).content.decode()
    assert "demenagement-non-signale" in html
    assert "pro-adresse-siege" not in html
    html = client.get(
        url, {"q": "adresse", "administration": catalogue["impots"].pk}
    ).content.decode()
    assert "pro-adresse-siege" in html
    assert "demenagement-non-signale" not in html


def test_empty_query_shows_the_form_only(client, catalogue):
    """Without a query the page shows the search form and the filters, no results block, and
    logs nothing."""
    response = client.get(reverse("advice:search"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html
    assert 'id="resultats"' not in html
    assert ZeroResultSearch.objects.count() == 0


def test_bad_input_is_a_400_in_french_keeping_the_text(client, catalogue):
    """A query over 200 characters, an unknown public, life event or administration, or a bad
    page number: 400 with a French message; the typed text stays in the field."""
    url = reverse("advice:search")
    long_query = "déménagement " * 20
    response = client.get(url, {"q": long_query})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "trop longue" in html
    assert f'value="{long_query.strip()}"' in html
    cases = [
        ({"q": "pension", "public": "martiens"}, "Ce public n'existe pas"),
        ({"q": "pension", "evenement": "inconnu"}, "Cet événement de vie n'existe pas"),
        ({"q": "pension", "administration": "999999"}, "Cette administration n'existe pas"),
        ({"q": "pension", "page": "deux"}, "numéro de page"),
    ]
    for params, message in cases:
        response = client.get(url, params)
        assert response.status_code == 400, params
        html = unescape(response.content.decode())
        assert message in html
        assert 'value="pension"' in html
    assert ZeroResultSearch.objects.count() == 0


def test_zero_result_searches_are_logged_without_personal_data(client, catalogue):
    """A search with no result (even approximate) is logged with the cleaned query, the day and
    the filters; no IP, no session; a search with results is not logged."""
    url = reverse("advice:search")
    response = client.get(
        url,
        {
            "q": "Hélicoptère jean@example.org 06 12 34 56 78 dossier 42",
            "public": "particuliers",
            "evenement": "je-demenage",
            "administration": catalogue["caf"].pk,
        },
    )
    assert response.status_code == 200
    assert "Aucun résultat" in unescape(response.content.decode())
    logged = ZeroResultSearch.objects.get()
    assert logged.query == "hélicoptère dossier"
    assert logged.audience == Audience.PARTICULIER
    assert logged.life_event == "je-demenage"
    assert logged.owner == catalogue["caf"]
    assert logged.searched_on is not None
    field_names = {field.name for field in ZeroResultSearch._meta.get_fields()}
    assert field_names == {"id", "query", "audience", "life_event", "owner", "searched_on"}
    client.get(url, {"q": "pension"})
    client.get(url, {"q": "demenagment"})  # approximate hits count as results
    assert ZeroResultSearch.objects.count() == 1
    client.get(url, {"q": "06 12 34 56 78"})  # nothing left once cleaned: nothing logged
    assert ZeroResultSearch.objects.count() == 1


def test_search_page_query_count_is_bounded(client, django_assert_max_num_queries):
    """The number of queries does not grow with the number of hits (filters, search, count)."""
    event = LifeEventFactory()
    owner = StructureFactory()
    for n in range(25):
        publish(EntryFactory(owners=[owner], life_events=[event], title=f"J'oublie le bail {n}"))
    url = reverse("advice:search")
    with django_assert_max_num_queries(4):
        response = client.get(url, {"q": "bail"})
    assert "25 conseils trouvés" in unescape(response.content.decode())
    with django_assert_max_num_queries(4):
        client.get(url, {"q": "bail", "page": "2", "evenement": event.slug})
    with django_assert_max_num_queries(6):  # exact search, typo fallback, zero-result log
        client.get(url, {"q": "ornithorynque"})


def test_pagination_links(client):
    """Past 20 hits the page offers a link to the next page, which lists the rest."""
    event = LifeEventFactory()
    for n in range(23):
        publish(EntryFactory(life_events=[event], title=f"J'oublie le loyer {n}"))
    url = reverse("advice:search")
    html = unescape(client.get(url, {"q": "loyer"}).content.decode())
    assert "page 1 sur 2" in html
    assert "page=2" in html
    html = unescape(client.get(url, {"q": "loyer", "page": "2"}).content.decode())
    assert "Résultats 21 à 23" in html
    html = unescape(client.get(url, {"q": "loyer", "page": "9"}).content.decode())
    assert "Cette page de résultats n'existe pas" in html


def test_home_links_to_the_search(client):
    """The catalogue's home has a search form pointing to the search page."""
    html = client.get(reverse("advice:home")).content.decode()
    assert f'action="{reverse("advice:search")}"' in html


def test_search_query_max_length_constant():
    """The page and the interface agree on the 200-character limit."""
    assert MAX_QUERY_LENGTH == 200
