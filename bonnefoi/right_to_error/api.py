"""Public right-to-error API: evaluate one situation, read the rule data.

No login and no database: the engine (bonnefoi.rules) is pure Python. Anonymous callers are
throttled per IP address through the default cache. Every input problem is a 400 with French
messages keyed by dotted field name; the API never answers 500 on what a client sends.
"""

import json
from functools import cache

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiRequest, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    ErrorDetail,
    MethodNotAllowed,
    ParseError,
    Throttled,
    UnsupportedMediaType,
)
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bonnefoi.core.api import FixedWindowAnonThrottle
from bonnefoi.right_to_error import openapi
from bonnefoi.rules import (
    SituationError,
    evaluate,
    parse_situation,
    rules_catalogue,
    rules_version,
)
from bonnefoi.rules.docs import sectors_json

UNSUPPORTED_MEDIA_TYPE = (
    "Format de requête non pris en charge : envoyez la situation en JSON "
    "(en-tête Content-Type: application/json)."
)
MALFORMED = "Requête mal formée : le corps n'est pas un objet JSON lisible."
TOO_BIG = "Requête trop volumineuse : une situation tient en quelques kilo-octets."


class RightToErrorThrottle(FixedWindowAnonThrottle):
    """Per-IP limit for anonymous callers, counted in the default cache."""

    scope = "right_to_error"
    rate = "120/minute"


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON, whatever the Accept header says (no 406 to document)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _reject_constant(name):
    raise ValueError(name)


class SituationJSONParser(JSONParser):
    """DRF's JSON parser, with French messages and deep nesting refused instead of crashing."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            encoding = get_encoding(parser_context or {})
        except ParseError:
            raise ParseError("Jeu de caractères inconnu : envoyez du JSON en UTF-8.") from None
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(f"Le corps n'est pas du texte valide en {encoding}.") from None
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"JSON illisible à la ligne {exc.lineno}, colonne {exc.colno}."
            ) from None
        except ValueError:
            raise ParseError(
                "JSON non pris en charge : nombre trop long, ou NaN / Infinity (hors norme JSON)."
            ) from None
        except RecursionError:
            raise ParseError("JSON trop profondément imbriqué.") from None


def invalid_response(errors: dict[str, list[str]], detail: str | None = None) -> Response:
    """400 body: a French summary and the French messages of each faulty field."""
    if detail is None:
        count = len(errors)
        detail = (
            "Situation invalide : 1 champ à corriger."
            if count == 1
            else f"Situation invalide : {count} champs à corriger."
        )
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class PublicRightToErrorView(APIView):
    """Anonymous, stateless, JSON only: no session, no CSRF token, no database."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RightToErrorThrottle]
    parser_classes = [SituationJSONParser]
    content_negotiation_class = JSONOnlyNegotiation

    def throttled(self, request, wait):
        exc = Throttled(wait=wait)
        seconds = max(1, round(wait)) if wait is not None else None
        message = "Trop de requêtes : réessayez plus tard."
        if seconds is not None:
            message = f"Trop de requêtes : réessayez dans {seconds} s."
        exc.detail = ErrorDetail(message, code=exc.default_code)
        raise exc

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = ", ".join(self.allowed_methods)
        raise MethodNotAllowed(
            request.method,
            detail=f"Méthode {request.method} non autorisée ici (méthodes acceptées : {allowed}).",
        )


# LoginRequiredMiddleware would redirect to the HTML login page: these views are public on purpose.
@method_decorator(login_not_required, name="dispatch")
class EvaluateView(PublicRightToErrorView):
    @extend_schema(
        operation_id="right_to_error_evaluate",
        tags=["droit à l'erreur"],
        summary="Évaluer une situation au regard du droit à l'erreur",
        description=openapi.EVALUATE_DESCRIPTION,
        request={
            "application/json": OpenApiRequest(
                openapi.situation_schema(), examples=openapi.situation_examples()
            )
        },
        responses={
            200: OpenApiResponse(
                response=openapi.DECISION_SCHEMA,
                description="Décision complète : issue, références, trace et explications.",
                examples=openapi.decision_examples(),
            ),
            400: OpenApiResponse(
                response=openapi.INVALID_SCHEMA,
                description=(
                    "Situation invalide : JSON illisible, corps qui n'est pas un objet, champ "
                    "inconnu, valeur hors liste, date mal écrite ou faits contradictoires. Les "
                    "messages sont en français, par champ (nom pointé, ex. « dates.invitation »)."
                ),
                examples=openapi.invalid_examples(),
            ),
            415: OpenApiResponse(
                response=openapi.DETAIL_SCHEMA,
                description="Corps envoyé dans un autre format que JSON.",
            ),
            429: openapi.THROTTLED_RESPONSE,
        },
        parameters=[openapi.RETRY_AFTER],
    )
    def post(self, request):
        try:
            data = request.data
        except UnsupportedMediaType:
            return Response(
                {"detail": UNSUPPORTED_MEDIA_TYPE}, status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
            )
        except ParseError as exc:
            return invalid_response({"situation": [str(exc.detail)]}, detail=MALFORMED)
        except RequestDataTooBig:
            return invalid_response({"situation": [TOO_BIG]}, detail=TOO_BIG)
        try:
            situation = parse_situation(data)
        except SituationError as exc:
            return invalid_response(exc.errors)
        return Response(evaluate(situation).to_json())


@cache
def rules_payload() -> dict:
    """The rule data never changes while the process runs: build its JSON once."""
    return {"rules_version": rules_version(), "sectors": sectors_json(), "rules": rules_catalogue()}


@method_decorator(login_not_required, name="dispatch")
class RulesView(PublicRightToErrorView):
    @extend_schema(
        operation_id="right_to_error_rules",
        tags=["droit à l'erreur"],
        summary="Règles du droit à l'erreur et leurs versions datées",
        description=(
            "Toutes les règles appliquées par le moteur, chaque version avec ses dates de validité, "
            "ses conditions en français et ses références juridiques (Légifrance), ainsi que les "
            "administrations (secteurs) et les règles qui s'y appliquent."
        ),
        responses={
            200: OpenApiResponse(
                response=openapi.RULES_SCHEMA,
                description="Catalogue des règles, versions et références.",
            ),
            429: openapi.THROTTLED_RESPONSE,
        },
        parameters=[openapi.RETRY_AFTER],
    )
    def get(self, request):
        response = Response(rules_payload())
        response["Cache-Control"] = "public, max-age=3600"
        return response
