"""Public read API of the advice catalogue: published entries only, filters, search, pagination,
CORS, throttling, French errors, OpenAPI schema, constant number of queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.advice.models import Audience, Entry, EntryStatus
from bonnefoi.structures.models import StructureKind
from tests.accounts.factories import MembershipFactory
from tests.advice.factories import (
    EntryFactory,
    LegalReferenceFactory,
    LifeEventFactory,
    ProcedureFactory,
    publish_entry,
)
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/advice/entries/"
LIFE_EVENTS = "/api/v1/advice/life-events/"
PROCEDURES = "/api/v1/advice/procedures/"
ENTRY_FIELDS = {
    "slug",
    "audience",
    "title",
    "consequence",
    "advice",
    "fix",
    "example",
    "links",
    "owners",
    "life_events",
    "procedures",
    "legal_references",
    "rule_ids",
    "verified_on",
    "verified_by",
    "version",
    "published_at",
    "review_notice",
    "url",
    "excerpt_html",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue():
    """Two administrations (one with an office under it), two life events, two procedures,
    published entries, a draft and an archived entry."""
    caf = StructureFactory(name="Caisse d'allocations familiales", sp_code="DEMO-CNAF")
    caf_office = StructureFactory(
        kind=StructureKind.ADMINISTRATION, parent=caf, name="CAF du Gard", sp_code="CAF-30"
    )
    dgfip = StructureFactory(name="Finances publiques", sp_code="DEMO-DGFIP")
    moving = LifeEventFactory(slug="je-demenage", title="Je déménage")
    hiring = LifeEventFactory(
        slug="j-embauche", title="J'embauche", audience=Audience.PROFESSIONNEL
    )
    housing = ProcedureFactory(slug="aide-logement", title="Demander une aide au logement")
    income = ProcedureFactory(slug="declaration-revenus", title="Déclarer ses revenus")
    housing.owners.set([caf])
    income.owners.set([dgfip])
    reference = LegalReferenceFactory(
        key="css-l553-1", code="Code de la sécurité sociale", article="L553-1", unverified=True
    )
    entries = {
        "address": publish_entry(
            EntryFactory(
                slug="oubli-changement-adresse",
                title="J'oublie de signaler mon changement d'adresse",
                owners=[caf],
                life_events=[moving],
                legal_references=[reference],
                rule_ids=["css-l114-17"],
                example="Loyer de 600 € au lieu de 450 €.",
            ),
            procedures=[housing],
        ),
        "office": publish_entry(
            EntryFactory(
                slug="oubli-loyer",
                title="J'oublie de déclarer mon nouveau loyer",
                owners=[caf_office],
                life_events=[moving],
            ),
            procedures=[housing],
        ),
        "income": publish_entry(
            EntryFactory(
                slug="oubli-revenus",
                title="J'oublie une partie de mes revenus",
                owners=[dgfip],
                life_events=[moving],
            ),
            procedures=[income],
        ),
        "pro": publish_entry(
            EntryFactory(
                slug="embauche-sans-dpae",
                title="J'embauche sans déclaration préalable",
                audience=Audience.PROFESSIONNEL,
                owners=[dgfip],
                life_events=[hiring],
            ),
            procedures=[income],
        ),
    }
    draft = EntryFactory(
        slug="brouillon", title="Brouillon pas prêt", owners=[caf], life_events=[moving]
    )
    draft.procedures.set([housing])
    archived = publish_entry(EntryFactory(slug="archive", owners=[caf], life_events=[moving]))
    archived.status = EntryStatus.ARCHIVED
    archived.save()
    return {
        "caf": caf,
        "caf_office": caf_office,
        "dgfip": dgfip,
        "moving": moving,
        "housing": housing,
        "income": income,
        "reference": reference,
        **entries,
    }


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_list_gives_published_entries_only_with_their_published_text(client, catalogue):
    """The list holds published entries only (no draft, no archived entry), with the text of the
    published version, not the editors' unpublished changes, and every documented field."""
    entry = catalogue["address"]
    entry.title = "Titre modifié mais pas publié"
    entry.save()
    response = client.get(ENTRIES)
    body = response.json()
    assert body["count"] == 4
    assert set(slugs(response)) == {
        "oubli-changement-adresse",
        "oubli-loyer",
        "oubli-revenus",
        "embauche-sans-dpae",
    }
    row = next(r for r in body["results"] if r["slug"] == "oubli-changement-adresse")
    assert set(row) == ENTRY_FIELDS
    assert row["title"] == "J'oublie de signaler mon changement d'adresse"
    assert row["audience"] == "particulier"
    assert row["example"] == "Loyer de 600 € au lieu de 450 €."
    assert row["links"] == [{"label": "Site officiel", "url": "https://www.caf.fr/"}]
    assert row["owners"] == [{"name": "Caisse d'allocations familiales", "sp_code": "DEMO-CNAF"}]
    assert row["life_events"] == [{"slug": "je-demenage", "title": "Je déménage"}]
    assert row["procedures"] == [
        {
            "slug": "aide-logement",
            "title": "Demander une aide au logement",
            "online_service_url": "https://www.service-public.fr/",
        }
    ]
    assert row["legal_references"] == [
        {
            "key": "css-l553-1",
            "code": "Code de la sécurité sociale",
            "article": "L553-1",
            "paragraph": "",
            "url": catalogue["reference"].url,
            "unverified": True,
        }
    ]
    assert row["rule_ids"] == ["css-l114-17"]
    assert row["verified_on"] == timezone.localdate().isoformat()
    assert row["verified_by"] == {"name": "Caisse d'allocations familiales", "sp_code": "DEMO-CNAF"}
    assert row["version"] == 1
    assert row["review_notice"] is False
    assert row["url"] == "http://testserver/conseils/erreur/oubli-changement-adresse/"
    assert row["excerpt_html"] is None


def test_list_and_detail_never_show_who_published(client, catalogue):
    """A version published by a person keeps that person out of the API: only administrations
    (owners, "vérifié par") appear."""
    reviewer = MembershipFactory(
        role=Role.QUALITY_MANAGER, structure=catalogue["caf"], user__email="relectrice@exemple.test"
    ).user
    entry = EntryFactory(slug="publie-par-une-personne", owners=[catalogue["caf"]])
    publish_entry(entry, user=reviewer)
    for url in (ENTRIES, f"{ENTRIES}publie-par-une-personne/"):
        body = client.get(url).content.decode()
        assert "publie-par-une-personne" in body
        assert "relectrice" not in body


def test_entry_list_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    """Listing entries costs the same number of queries for 2 entries as for 12, whatever their
    owners, life events, procedures and legal references."""

    def add_entries(count):
        for _ in range(count):
            owners = [StructureFactory(), StructureFactory()]
            entry = EntryFactory(
                owners=owners,
                life_events=[LifeEventFactory(), LifeEventFactory()],
                legal_references=[LegalReferenceFactory(), LegalReferenceFactory()],
            )
            publish_entry(entry, procedures=[ProcedureFactory(), ProcedureFactory()])

    add_entries(2)
    # count, page, owners, life events, procedures, legal references
    with django_assert_num_queries(6):
        assert len(slugs(client.get(ENTRIES))) == 2
    add_entries(10)
    with django_assert_num_queries(6):
        assert len(slugs(client.get(ENTRIES))) == 12
    # a filter costs one query to look its object up
    event = LifeEventFactory()
    for entry in Entry.objects.all():
        entry.life_events.add(event)
    with django_assert_num_queries(7):
        assert len(slugs(client.get(ENTRIES, {"life_event": event.slug}))) == 12


def test_life_event_and_procedure_lists_run_a_constant_number_of_queries(
    client, catalogue, django_assert_num_queries
):
    """The life-event list is one query, the procedure list two (their owners), whatever their
    number."""
    for _ in range(5):
        LifeEventFactory()
        ProcedureFactory().owners.set([StructureFactory()])
    with django_assert_num_queries(1):
        assert client.get(LIFE_EVENTS).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(PROCEDURES).status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"procedure": "aide-logement"}, {"oubli-changement-adresse", "oubli-loyer"}),
        ({"procedure": "declaration-revenus"}, {"oubli-revenus", "embauche-sans-dpae"}),
        # the network's entries include those of the office under it
        ({"owner": "DEMO-CNAF"}, {"oubli-changement-adresse", "oubli-loyer"}),
        ({"owner": "CAF-30"}, {"oubli-loyer"}),
        (
            {"life_event": "je-demenage"},
            {"oubli-changement-adresse", "oubli-loyer", "oubli-revenus"},
        ),
        ({"audience": "professionnel"}, {"embauche-sans-dpae"}),
        ({"audience": "particulier", "procedure": "declaration-revenus"}, {"oubli-revenus"}),
        ({"audience": "association"}, set()),
        ({"owner": "DEMO-DGFIP", "life_event": "je-demenage"}, {"oubli-revenus"}),
    ],
)
def test_filters_by_procedure_owner_life_event_and_audience(client, catalogue, params, expected):
    """Each filter narrows the list; filters combine; an owner covers the structures under it."""
    response = client.get(ENTRIES, params)
    assert set(slugs(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"audience": "particuliers"}, "audience", "Public inconnu"),
        ({"procedure": "inexistante"}, "procedure", "Démarche inconnue"),
        ({"procedure": "<script>"}, "procedure", "Démarche inconnue"),
        ({"life_event": "je-voyage"}, "life_event", "Événement de vie inconnu"),
        ({"owner": "INCONNU"}, "owner", "Administration inconnue"),
        ({"owner": "a\x00b"}, "owner", "Administration inconnue"),
        ({"q": "x" * 201}, "q", "Recherche trop longue"),
        ({"page": "zéro"}, "page", "Numéro de page invalide"),
        ({"page": "0"}, "page", "Numéro de page invalide"),
        ({"page_size": "500"}, "page_size", "Taille de page invalide"),
    ],
)
def test_bad_parameters_are_a_french_400_per_parameter(client, catalogue, params, field, words):
    """An unknown audience, procedure, life event or owner, a query too long or a bad page is a
    400 with a French summary and a French message under the parameter's name."""
    response = client.get(ENTRIES, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Requête invalide : 1 paramètre à corriger."
    assert list(body["errors"]) == [field]
    assert words in body["errors"][field][0]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_several_bad_parameters_are_all_reported(client, catalogue):
    """All faulty parameters are reported at once."""
    body = client.get(ENTRIES, {"audience": "x", "owner": "y", "page": "-1"}).json()
    assert set(body["errors"]) == {"audience", "owner", "page"}
    assert body["detail"] == "Requête invalide : 3 paramètres à corriger."


def test_pagination_gives_absolute_next_and_previous_links(client, catalogue):
    """Pages hold `page_size` entries, in title order; next/previous are absolute URLs keeping
    the filters; a page past the last is a French 404."""
    first = client.get(ENTRIES, {"page_size": 3, "audience": "particulier"}).json()
    assert first["count"] == 3
    assert first["next"] is None
    first = client.get(ENTRIES, {"page_size": 2}).json()
    assert first["count"] == 4
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/advice/entries/?")
    assert "page=2" in first["next"]
    assert "page_size=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None
    assert "page=" not in second["previous"]
    titles = [row["title"] for row in first["results"] + second["results"]]
    assert titles == sorted(titles)
    assert len(set(titles)) == 4
    response = client.get(ENTRIES, {"page_size": 2, "page": 3})
    assert response.status_code == 404
    assert response.json()["detail"] == "Page inexistante : la liste compte 2 page(s) de 2."
    # an empty list still has its page 1
    assert client.get(ENTRIES, {"audience": "association"}).json()["results"] == []


def test_detail_gives_one_published_entry_and_404_otherwise(client, catalogue):
    """The detail of a published entry has the same fields as the list; a draft, an archived
    entry or an unknown slug is a French 404."""
    response = client.get(f"{ENTRIES}oubli-changement-adresse/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ENTRY_FIELDS
    assert body["legal_references"][0]["key"] == "css-l553-1"
    for slug in ("brouillon", "archive", "inconnu"):
        response = client.get(f"{ENTRIES}{slug}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Ce conseil n'existe pas ou n'est pas publié."}
        assert response["Access-Control-Allow-Origin"] == "*"


def test_detail_shows_the_latest_version_and_the_review_notice(client, catalogue):
    """After an update the API serves version 2; an entry marked "à revoir" or past its review
    date carries review_notice, like the public page's notice."""
    entry = catalogue["income"]
    entry.fix = "Corrigez en ligne avant la fin de l'année."
    publish_entry(entry, note="Délai précisé.", kind="minor")
    body = client.get(f"{ENTRIES}oubli-revenus/").json()
    assert body["version"] == 2
    assert body["fix"] == "Corrigez en ligne avant la fin de l'année."
    assert body["review_notice"] is False
    entry.refresh_from_db()
    entry.needs_review = True
    entry.save()
    assert client.get(f"{ENTRIES}oubli-revenus/").json()["review_notice"] is True
    entry.needs_review = False
    entry.review_by = timezone.localdate() - timedelta(days=1)
    entry.save()
    assert client.get(f"{ENTRIES}oubli-revenus/").json()["review_notice"] is True


def test_life_events_list_counts_published_entries(client, catalogue):
    """Each life event comes with its number of published entries (drafts and archived entries
    do not count) and absolute links to its entries in the API and to its Atom feed."""
    LifeEventFactory(slug="sans-conseil", title="Sans conseil")
    events = {row["slug"]: row for row in client.get(LIFE_EVENTS).json()}
    assert events["je-demenage"]["entry_count"] == 3
    assert events["j-embauche"]["entry_count"] == 1
    assert events["sans-conseil"]["entry_count"] == 0
    moving = events["je-demenage"]
    assert moving["audience"] == "particulier"
    assert moving["feed_url"] == "http://testserver/conseils/flux/evenement/je-demenage/"
    assert set(slugs(client.get(moving["entries_url"]))) == {
        "oubli-changement-adresse",
        "oubli-loyer",
        "oubli-revenus",
    }
    professional = client.get(LIFE_EVENTS, {"audience": "professionnel"}).json()
    assert [row["slug"] for row in professional] == ["j-embauche"]
    assert client.get(LIFE_EVENTS, {"audience": "x"}).status_code == 400


def test_procedures_list_with_owners_and_owner_filter(client, catalogue):
    """Procedures come with their online service, owners and number of published entries; the
    owner filter covers the structures under the administration."""
    rows = {row["slug"]: row for row in client.get(PROCEDURES).json()}
    housing = rows["aide-logement"]
    assert housing["entry_count"] == 2
    assert housing["owners"] == [
        {"name": "Caisse d'allocations familiales", "sp_code": "DEMO-CNAF"}
    ]
    assert housing["online_service_url"] == "https://www.service-public.fr/"
    assert housing["feed_url"] == "http://testserver/conseils/flux/demarche/aide-logement/"
    assert set(slugs(client.get(housing["entries_url"]))) == {
        "oubli-changement-adresse",
        "oubli-loyer",
    }
    assert rows["declaration-revenus"]["entry_count"] == 2
    catalogue["income"].procedures.set([])  # counts follow the working copy's procedures
    owned = client.get(PROCEDURES, {"owner": "DEMO-DGFIP"}).json()
    assert [row["slug"] for row in owned] == ["declaration-revenus"]
    response = client.get(PROCEDURES, {"owner": "INCONNU"})
    assert response.status_code == 400
    assert "Administration inconnue" in response.json()["errors"]["owner"][0]


@pytest.mark.parametrize("url", [ENTRIES, f"{ENTRIES}oubli-revenus/", LIFE_EVENTS, PROCEDURES])
def test_any_origin_may_read_without_cookies(client, catalogue, url):
    """Public read-only data: every answer allows any origin (CORS `*`), sets no cookie, does
    not vary on cookies, and may be cached by shared caches."""
    response = client.get(url, HTTP_ORIGIN="https://www.exemple-caf.fr")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"].startswith("public")


@pytest.mark.parametrize("url", [ENTRIES, f"{ENTRIES}oubli-revenus/", LIFE_EVENTS, PROCEDURES])
def test_cors_preflight_is_answered(client, catalogue, url):
    """An OPTIONS preflight from another origin gets 204 with the allowed methods and headers."""
    response = client.options(
        url,
        HTTP_ORIGIN="https://www.exemple-caf.fr",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept, content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert not response.content


def test_read_only_and_no_session_or_csrf_needed(catalogue):
    """Writing is refused with a French 405, and reading needs no session nor CSRF token even
    from a client that enforces CSRF checks."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(ENTRIES, {"slug": "x"})
    assert response.status_code == 405
    assert response.json()["detail"].startswith("Méthode POST non autorisée ici")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get(ENTRIES).status_code == 200
    assert client.head(ENTRIES).status_code == 200


def test_signed_in_agents_see_the_same_public_data(client, catalogue):
    """The API ignores the session: a signed-in agent gets exactly what anonymous callers get
    (no draft leaks to a logged-in editor)."""
    anonymous = client.get(ENTRIES).json()
    editor = MembershipFactory(role=Role.EDITOR, structure=catalogue["caf"]).user
    client.force_login(editor)
    assert client.get(ENTRIES).json() == anonymous


def test_anonymous_callers_are_throttled_in_french(client, catalogue, settings):
    """Past the per-IP limit the API answers 429 in French with Retry-After, still readable
    from any origin."""
    settings.ADVICE_API_THROTTLE_RATE = "2/minute"
    assert client.get(LIFE_EVENTS).status_code == 200
    assert client.get(PROCEDURES).status_code == 200
    response = client.get(ENTRIES)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de requêtes : réessayez dans ")
    assert int(response["Retry-After"]) > 0
    assert response["Access-Control-Allow-Origin"] == "*"


def test_openapi_schema_documents_every_operation_and_response_code(client):
    """The OpenAPI schema lists the four operations, anonymous (no security), with their query
    parameters and every response code they may answer."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    expected = {
        "/api/v1/advice/entries/": {"200", "400", "404", "429"},
        "/api/v1/advice/entries/{slug}/": {"200", "404", "429"},
        "/api/v1/advice/life-events/": {"200", "400", "429"},
        "/api/v1/advice/procedures/": {"200", "400", "429"},
    }
    for path, codes in expected.items():
        operation = schema["paths"][path]["get"]
        assert set(operation["responses"]) == codes, path
        assert operation["security"] == [{}], path
        assert operation["tags"] == ["conseils"]
        assert set(schema["paths"][path]) == {"get"}, path
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/advice/entries/"]["get"]["parameters"]
    }
    assert {"q", "procedure", "owner", "life_event", "audience", "page", "page_size"} <= parameters
    entry = schema["components"]["schemas"]["Entry"]
    assert set(entry["properties"]) >= ENTRY_FIELDS
    assert all(prop.get("description") for prop in entry["properties"].values())


def test_search_ranks_published_entries_with_highlighted_excerpts(client, catalogue):
    """`q` searches the published text (French full text, accents ignored) and each hit carries
    an escaped excerpt with <mark> around the matches; drafts are never found."""
    response = client.get(ENTRIES, {"q": "adresse"})
    body = response.json()
    assert slugs(response)[0] == "oubli-changement-adresse"
    assert body["count"] == len(body["results"])
    assert body["approximate"] is False
    first = body["results"][0]
    assert set(first) == ENTRY_FIELDS
    assert first["excerpt_html"] is not None
    assert "<script" not in first["excerpt_html"]
    assert "brouillon" not in slugs(client.get(ENTRIES, {"q": "brouillon"}))
    # without q there is no excerpt and no approximation
    assert client.get(ENTRIES).json()["approximate"] is False


def test_search_highlights_matches(client, catalogue):
    """The excerpt marks the words found in the body text."""
    body = client.get(ENTRIES, {"q": "rembourser"}).json()
    assert body["count"] >= 1
    assert all("<mark>" in row["excerpt_html"] for row in body["results"])


def test_search_combines_with_every_filter(client, catalogue):
    """`q` combines with audience, owner (with its subtree), life event and procedure."""
    assert set(slugs(client.get(ENTRIES, {"q": "oublie"}))) == {
        "oubli-changement-adresse",
        "oubli-loyer",
        "oubli-revenus",
    }
    assert slugs(client.get(ENTRIES, {"q": "embauche", "audience": "professionnel"})) == [
        "embauche-sans-dpae"
    ]
    assert slugs(client.get(ENTRIES, {"q": "embauche", "audience": "particulier"})) == []
    assert set(slugs(client.get(ENTRIES, {"q": "oublie", "owner": "DEMO-CNAF"}))) == {
        "oubli-changement-adresse",
        "oubli-loyer",
    }
    assert slugs(client.get(ENTRIES, {"q": "oublie", "owner": "DEMO-DGFIP"})) == ["oubli-revenus"]
    response = client.get(ENTRIES, {"q": "oublie", "procedure": "aide-logement"})
    assert set(slugs(response)) == {"oubli-changement-adresse", "oubli-loyer"}
    assert response.json()["count"] == 2
    assert slugs(client.get(ENTRIES, {"q": "adresse", "life_event": "j-embauche"})) == []


def test_search_pages_like_the_list(client, catalogue):
    """Search results are paginated with the same count / next / previous keys."""
    first = client.get(ENTRIES, {"q": "oublie", "page_size": 2}).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    seen = {row["slug"] for row in first["results"] + second["results"]}
    assert len(seen) == 3
    with_procedure = client.get(
        ENTRIES, {"q": "oublie", "procedure": "aide-logement", "page_size": 1, "page": 2}
    ).json()
    assert with_procedure["count"] == 2
    assert len(with_procedure["results"]) == 1
    response = client.get(ENTRIES, {"q": "oublie", "page": 9})
    assert response.status_code == 404


def test_search_with_nothing_found_and_typos(client, catalogue):
    """A search that finds nothing is an empty 200; a typo finds the entry through the
    typo-tolerant search, flagged `approximate`."""
    empty = client.get(ENTRIES, {"q": "zzyzx introuvable"}).json()
    assert empty["count"] == 0
    assert empty["results"] == []
    typo = client.get(ENTRIES, {"q": "adrese"}).json()
    assert "oubli-changement-adresse" in [row["slug"] for row in typo["results"]]
    assert typo["approximate"] is True


def test_search_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    """Searching costs the same bounded number of queries for 2 hits as for 12."""
    owner = StructureFactory()

    def add_entries(count):
        for _ in range(count):
            entry = EntryFactory(
                owners=[owner],
                life_events=[LifeEventFactory()],
                legal_references=[LegalReferenceFactory()],
            )
            publish_entry(entry, procedures=[ProcedureFactory()])

    add_entries(2)
    with django_assert_max_num_queries(8):
        assert len(slugs(client.get(ENTRIES, {"q": "déclarer"}))) == 2
    add_entries(10)
    with django_assert_max_num_queries(8):
        assert len(slugs(client.get(ENTRIES, {"q": "déclarer"}))) == 12
