"""API plumbing shared by every app: French error bodies."""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

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
