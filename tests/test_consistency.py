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
