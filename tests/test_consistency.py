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
