"""Whole-project invariants (after les-emplois' test_consistency)."""

from django.urls import URLPattern, URLResolver, get_resolver

# Every route reachable without signing in, reviewed one by one. A new public route must be added
# here on purpose (and, if it is a page, be covered by the anonymity and browser tests).
PUBLIC_ROUTES = {
    "",
    "accessibilite/",
    "mentions-legales/",
    "donnees-personnelles/",
    "plan-du-site/",
    "connexion/",
    # DRF views opt out of the login redirect and enforce IsAuthenticated themselves (403 JSON).
    "api/v1/^structures/$",
    "api/v1/^structures/(?P<pk>[^/.]+)/$",
    "api/v1/^agents/$",
    "api/v1/^agents/(?P<pk>[^/.]+)/$",
    "api/v1/schema/",
}


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_reviewed_routes_are_reachable_without_login():
    """LoginRequiredMiddleware guards everything except an explicit, reviewed list of routes
    (the Django admin keeps its own login, restricted to superusers)."""
    public = {
        route
        for route, view in _routes(get_resolver())
        if not getattr(view, "login_required", True) and not route.startswith("gestion/")
    }
    assert public == PUBLIC_ROUTES
