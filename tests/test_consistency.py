"""Whole-project invariants (after les-emplois' test_consistency)."""

from tests.urls_walk import is_public, iter_routes

# Every route reachable without signing in, reviewed one by one. A new public route must be added
# here on purpose (and, if it is a page, be covered by the anonymity and browser tests).
PUBLIC_ROUTES = {
    "",
    "accessibilite/",
    "mentions-legales/",
    "donnees-personnelles/",
    "plan-du-site/",
    "connexion/",
    "conseils/",
    "conseils/erreur/<slug:slug>/",
    # Feedback form (POST without login, CSRF-protected), the embeddable widget and its help page.
    "conseils/erreur/<slug:slug>/avis/",
    "conseils/widget/",
    "conseils/integrer/",
    "conseils/recherche/",  # public search of the catalogue (GET, no data kept but zero-result queries)
    # Atom feeds of the catalogue (published entries only, GET/HEAD, no cookie).
    "conseils/flux/",
    "conseils/flux/public/<slug:audience_slug>/",
    "conseils/flux/evenement/<slug:slug>/",
    "conseils/flux/demarche/<slug:slug>/",
    "conseils/flux/administration/<str:sp_code>/",
    "conseils/<slug:audience_slug>/",
    "conseils/<slug:audience_slug>/<slug:slug>/",
    "droit-a-l-erreur/verifier",
    "droit-a-l-erreur/verifier/resultat",
    "droit-a-l-erreur/regles",
    # DRF views opt out of the login redirect and enforce IsAuthenticated themselves (403 JSON).
    "api/v1/^structures/$",
    "api/v1/^structures/(?P<pk>[^/.]+)/$",
    "api/v1/^agents/$",
    "api/v1/^agents/(?P<pk>[^/.]+)/$",
    "api/v1/schema/",
    # Public right-to-error API: anonymous by design (AllowAny, no session), throttled per IP.
    "api/v1/right-to-error/evaluate",
    "api/v1/right-to-error/rules",
    # Public read API of the advice catalogue: published entries only, AllowAny, no session,
    # CORS "*", throttled per IP.
    "api/v1/advice/entries/",
    "api/v1/advice/entries/<slug:slug>/",
    "api/v1/advice/life-events/",
    "api/v1/advice/procedures/",
    # « Signaler une erreur » (issue 5): the declaration steps (draft in a cookie + resume link),
    # the lost-link request (same answer whatever the match, rate-limited), and the person's
    # pages opened by the secret tracking link (404 for any wrong reference or secret).
    "signaler/",
    "signaler/etape/<slug:step>/",
    "signaler/reprendre/<str:secret>/",
    "signaler/lien-perdu/",
    "signaler/envoyee/<str:reference>/<str:secret>/",
    "signaler/suivi/<str:reference>/<str:secret>/",
    "signaler/suivi/<str:reference>/<str:secret>/pieces/<int:pk>/",
    "signaler/suivi/<str:reference>/<str:secret>/courrier/",
    "signaler/suivi/<str:reference>/<str:secret>/courrier.pdf",
    # Public submission API: AllowAny, no session, throttled per IP, idempotent by header.
    "api/v1/cases/",
    # Agent API (issue 5): personal token (Bearer) or session, IsAuthenticated (401 JSON),
    # rights of case_abilities / webhook.manage on the caller's subtree.
    "api/v1/^agent/cases/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/take/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/messages/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/invitations/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/decision/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/close/$",
    "api/v1/^agent/cases/(?P<reference>BF-[0-9A-Z]{4}-[0-9A-Z]{4})/letter/$",
    "api/v1/^agent/webhooks/$",
    "api/v1/^agent/webhooks/(?P<pk>[^/.]+)/$",
    # Observatory transparency pages (issue 6): published figures only (statistical secret),
    # and their open data files built from the same snapshot.
    "transparence/",
    "transparence/<int:pk>/",
    "transparence/donnees/<str:name>",
}


def test_only_reviewed_routes_are_reachable_without_login():
    """LoginRequiredMiddleware guards everything except an explicit, reviewed list of routes
    (the Django admin keeps its own login, restricted to superusers)."""
    public = {
        route
        for route, _name, pattern in iter_routes()
        if is_public(pattern) and not route.startswith("gestion/")
    }
    assert public == PUBLIC_ROUTES
