"""API plumbing shared by every app: French error bodies, per-address throttling."""

from rest_framework import exceptions
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from bonnefoi.core.ratelimit import hit

FRENCH_MESSAGES = {
    exceptions.NotAuthenticated: "Authentification requise : connectez-vous à l'espace agent.",
    exceptions.AuthenticationFailed: "Identifiants invalides.",
    exceptions.PermissionDenied: "Vous n'avez pas les droits nécessaires pour cette action.",
    exceptions.NotFound: "Ressource introuvable, ou hors de votre périmètre.",
    exceptions.MethodNotAllowed: "Méthode HTTP non autorisée sur cette ressource.",
    exceptions.NotAcceptable: "Format de réponse non disponible.",
    exceptions.UnsupportedMediaType: "Format de requête non pris en charge (utilisez JSON).",
    exceptions.ParseError: "Requête mal formée : le corps JSON est illisible.",
    exceptions.Throttled: "Trop de requêtes : réessayez plus tard.",
}


def exception_handler(exc, context):
    """DRF's handler, with French `detail` messages for the generic errors."""
    from django.http import Http404

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    for exc_class, message in FRENCH_MESSAGES.items():
        if type(exc) is exc_class and exc.detail == exc_class.default_detail:
            exc.detail = exceptions.ErrorDetail(message, code=exc.default_code)
    return drf_exception_handler(exc, context)


class FixedWindowAnonThrottle(AnonRateThrottle):
    """Per-address limit for anonymous callers, counted in fixed windows: one counter per
    address and period in the cache (`add` then `incr`), so a request costs the same whatever
    the rate. DRF's own throttle keeps the list of every request of the period and rewrites it
    on each call (hundreds of timestamps per request for a busy embedder). The price of fixed
    windows: across a window boundary, up to twice the rate can pass in one period.

    The address is REMOTE_ADDR unless settings say how many proxies to trust (REST_FRAMEWORK
    NUM_PROXIES, 0 by default: a client-supplied X-Forwarded-For is ignored)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return hit(f"{key}:{window}", self.duration + 1) <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - self.now)
