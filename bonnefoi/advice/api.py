"""Public read API of the advice catalogue, for other sites to embed the published entries.

Anonymous and read-only: no session, no cookie, no CSRF; throttled per IP address like the
right-to-error API. Every response says `Access-Control-Allow-Origin: *` (public data, no
credentials) and OPTIONS answers the CORS preflight. Errors are JSON with French messages.
"""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from bonnefoi.advice.models import (
    Audience,
    Entry,
    LifeEvent,
    Procedure,
    public_entries_q,
)
from bonnefoi.advice.search import MAX_LIMIT, MAX_QUERY_LENGTH, search_entries
from bonnefoi.advice.serializers import (
    EntryPageSerializer,
    EntrySerializer,
    LifeEventSerializer,
    ProcedureSerializer,
    entries_for_output,
    entry_page_path,
    references_by_key,
    serialize_entries,
)
from bonnefoi.advice.signals import NAMESPACE
from bonnefoi.core.api import FixedWindowAnonThrottle
from bonnefoi.core.page_cache import cache_public_json
from bonnefoi.right_to_error.api import PublicRightToErrorView
from bonnefoi.right_to_error.openapi import DETAIL_SCHEMA, RETRY_AFTER, THROTTLED_RESPONSE
from bonnefoi.structures.models import Structure

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# `procedure` is not a filter of the search backend: with `q`, its first hits are filtered here.
SEARCH_WINDOW = 500
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")
SP_CODE = re.compile(r"^[-a-zA-Z0-9_.:/ ]{1,32}$")
NOT_PUBLISHED = "Ce conseil n'existe pas ou n'est pas publié."
CACHE_CONTROL = "public, max-age=300"
TAGS = ["conseils"]


class AdviceThrottle(FixedWindowAnonThrottle):
    """Per-IP limit for anonymous callers; ADVICE_API_THROTTLE_RATE overrides the default."""

    scope = "advice"

    def get_rate(self):
        return getattr(settings, "ADVICE_API_THROTTLE_RATE", "300/minute")


def invalid_response(errors: dict[str, list[str]]) -> Response:
    count = len(errors)
    detail = (
        "Requête invalide : 1 paramètre à corriger."
        if count == 1
        else f"Requête invalide : {count} paramètres à corriger."
    )
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class PublicAdviceView(PublicRightToErrorView):
    """Read-only JSON for anyone, from any origin (French 405 and 429 come from the parent)."""

    throttle_classes = [AdviceThrottle]
    parser_classes = []
    http_method_names = ["get", "head", "options"]

    def options(self, request, *args, **kwargs):
        """CORS preflight: any origin may read, with simple headers, for a day."""
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response["Cache-Control"] = CACHE_CONTROL
        return response

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    # -- query parameters -------------------------------------------------------------------

    def _param(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()

    def audience_filter(self, errors) -> str | None:
        value = self._param("audience")
        if value and value not in Audience.values:
            errors["audience"] = [
                f"Public inconnu : « {value[:60]} ». Valeurs possibles : "
                + ", ".join(Audience.values)
                + "."
            ]
        return value or None

    def owner_filter(self, errors) -> Structure | None:
        value = self._param("owner")
        if not value:
            return None
        owner = None
        if SP_CODE.match(value):
            owner = Structure.objects.filter(sp_code=value).only("id", "path", "name").first()
        if owner is None:
            errors["owner"] = [
                f"Administration inconnue : « {value[:60]} » (attendu : son code Services "
                "Publics+, champ sp_code des administrations)."
            ]
        return owner

    def slug_filter(self, errors, name: str, model, unknown: str):
        value = self._param(name)
        if not value:
            return None
        found = model.objects.filter(slug=value).first() if SLUG.match(value) else None
        if found is None:
            errors[name] = [f"{unknown} : « {value[:60]} »."]
        return found


def owned_by_subtree(owner: Structure):
    """Entries owned by `owner` or by a structure under it (a network covers its offices)."""
    return Q(pk__in=Entry.objects.filter(owners__path__tree_prefix=owner.path).values("pk"))


AUDIENCE_PARAMETER = OpenApiParameter(
    "audience",
    OpenApiTypes.STR,
    enum=Audience.values,
    description="Public : particulier, professionnel ou association.",
)
OWNER_PARAMETER = OpenApiParameter(
    "owner",
    OpenApiTypes.STR,
    description=(
        "Code Services Publics+ (`sp_code`) d'une administration : ses conseils et ceux des "
        "structures qui en dépendent."
    ),
)
INVALID_RESPONSE = OpenApiResponse(
    response={
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "Résumé en français."},
            "errors": {
                "type": "object",
                "description": "Messages en français, par paramètre de la requête.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["detail", "errors"],
    },
    description="Paramètre invalide : public, démarche, événement ou administration inconnus, "
    "recherche trop longue, numéro ou taille de page incorrects.",
)


@method_decorator(login_not_required, name="dispatch")
class EntryListView(PublicAdviceView):
    @extend_schema(
        operation_id="advice_entries_list",
        tags=TAGS,
        summary="Conseils publiés contre les erreurs fréquentes",
        description=(
            "Les conseils publiés, filtrables par démarche, administration, événement de vie et "
            "public, et cherchables en texte intégral (`q`, recherche en français tolérant les "
            "accents et les fautes de frappe ; les résultats sont alors classés par pertinence "
            "et portent un extrait surligné). Paginé : `page` et `page_size` (au plus "
            f"{MAX_PAGE_SIZE}). Accès libre, sans compte, depuis n'importe quelle origine "
            "(CORS) ; nombre de requêtes limité par adresse IP."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=f"Recherche en texte intégral ({MAX_QUERY_LENGTH} caractères au plus).",
            ),
            OpenApiParameter("procedure", OpenApiTypes.STR, description="Démarche (slug)."),
            OWNER_PARAMETER,
            OpenApiParameter("life_event", OpenApiTypes.STR, description="Événement (slug)."),
            AUDIENCE_PARAMETER,
            OpenApiParameter("page", OpenApiTypes.INT, description="Numéro de page (dès 1)."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Conseils par page, de 1 à {MAX_PAGE_SIZE} (défaut {PAGE_SIZE}).",
            ),
            RETRY_AFTER,
        ],
        responses={
            200: OpenApiResponse(EntryPageSerializer, description="Une page de conseils."),
            400: INVALID_RESPONSE,
            404: OpenApiResponse(DETAIL_SCHEMA, description="Page au-delà de la dernière."),
            429: THROTTLED_RESPONSE,
        },
    )
    @cache_public_json(NAMESPACE)
    def get(self, request):
        errors: dict[str, list[str]] = {}
        audience = self.audience_filter(errors)
        owner = self.owner_filter(errors)
        procedure = self.slug_filter(errors, "procedure", Procedure, "Démarche inconnue")
        life_event = self.slug_filter(errors, "life_event", LifeEvent, "Événement de vie inconnu")
        query = self._param("q").replace("\x00", " ")
        if len(query) > MAX_QUERY_LENGTH:
            errors["q"] = [f"Recherche trop longue : {MAX_QUERY_LENGTH} caractères au plus."]
        page, size = self.page_parameters(errors)
        if errors:
            return invalid_response(errors)
        offset = (page - 1) * size
        excerpts, approximate = {}, False
        if query:
            count, entries, excerpts, approximate = self.search(
                query, audience, owner, procedure, life_event, offset, size
            )
        else:
            entries_qs = Entry.objects.all()
            if audience:
                entries_qs = entries_qs.filter(audience=audience)
            if procedure:
                entries_qs = entries_qs.filter(procedures=procedure)
            if life_event:
                entries_qs = entries_qs.filter(life_events=life_event)
            if owner:
                entries_qs = entries_qs.filter(owned_by_subtree(owner))
            entries_qs = entries_for_output(entries_qs).order_by(
                "current_version__content__title", "slug"
            )
            count = entries_qs.count()
            entries = list(entries_qs[offset : offset + size]) if count > offset else []
        if page > 1 and offset >= count:
            pages = max(1, -(-count // size))
            raise NotFound(f"Page inexistante : la liste compte {pages} page(s) de {size}.")
        url = request.build_absolute_uri()
        return Response(
            {
                "count": count,
                "approximate": approximate,
                "next": replace_query_param(url, "page", page + 1)
                if offset + size < count
                else None,
                "previous": (
                    None
                    if page == 1
                    else remove_query_param(url, "page")
                    if page == 2
                    else replace_query_param(url, "page", page - 1)
                ),
                "results": serialize_entries(entries, self.entry_url, excerpts=excerpts),
            }
        )

    def entry_url(self, slug: str) -> str:
        return self.absolute(entry_page_path(slug))

    def page_parameters(self, errors) -> tuple[int, int]:
        page, size = 1, PAGE_SIZE
        raw_page, raw_size = self._param("page"), self._param("page_size")
        if raw_page:
            if raw_page.isascii() and raw_page.isdigit() and 1 <= int(raw_page) <= 100_000:
                page = int(raw_page)
            else:
                errors["page"] = ["Numéro de page invalide : un entier à partir de 1."]
        if raw_size:
            if raw_size.isascii() and raw_size.isdigit() and 1 <= int(raw_size) <= MAX_PAGE_SIZE:
                size = int(raw_size)
            else:
                errors["page_size"] = [
                    f"Taille de page invalide : un entier de 1 à {MAX_PAGE_SIZE}."
                ]
        return page, size

    def search(self, query, audience, owner, procedure, life_event, offset, size):
        """(total, entries of the page in rank order, {entry id: excerpt}, approximate)."""
        filters = {
            "audience": audience,
            "life_event": life_event.slug if life_event else None,
            "owner": owner.pk if owner else None,
        }
        if procedure is None:
            results = search_entries(query, **filters, limit=size, offset=offset)
            hits, total, approximate = results.hits, results.total, results.approximate
        else:
            # The search backend does not filter by procedure: read its first SEARCH_WINDOW
            # hits and keep those of the procedure.
            window, approximate = [], False
            while len(window) < SEARCH_WINDOW:
                results = search_entries(query, **filters, limit=MAX_LIMIT, offset=len(window))
                window += results.hits
                approximate = results.approximate
                if not results.hits or len(window) >= results.total:
                    break
            in_procedure = set(
                procedure.entries.filter(pk__in=[hit.entry_id for hit in window]).values_list(
                    "pk", flat=True
                )
            )
            matching = [hit for hit in window if hit.entry_id in in_procedure]
            hits, total = matching[offset : offset + size], len(matching)
        ids = [hit.entry_id for hit in hits]
        found = {entry.pk: entry for entry in entries_for_output(Entry.objects.filter(pk__in=ids))}
        entries = [found[pk] for pk in ids if pk in found]
        excerpts = {hit.entry_id: hit.excerpt_html for hit in hits}
        return total, entries, excerpts, approximate


@method_decorator(login_not_required, name="dispatch")
class EntryDetailView(PublicAdviceView):
    @extend_schema(
        operation_id="advice_entries_retrieve",
        tags=TAGS,
        summary="Un conseil publié",
        description="Le texte publié d'un conseil, ses démarches, administrations et références.",
        parameters=[RETRY_AFTER],
        responses={
            200: OpenApiResponse(EntrySerializer, description="Le conseil publié."),
            404: OpenApiResponse(DETAIL_SCHEMA, description=NOT_PUBLISHED),
            429: THROTTLED_RESPONSE,
        },
    )
    @cache_public_json(NAMESPACE)
    def get(self, request, slug: str):
        entry = entries_for_output(Entry.objects.filter(slug=slug)).first()
        if entry is None:
            raise NotFound(NOT_PUBLISHED)
        data = EntrySerializer(
            entry,
            context={
                "references": references_by_key([entry]),
                "entry_url": lambda slug: self.absolute(entry_page_path(slug)),
            },
        ).data
        return Response(data)


PUBLISHED_ENTRIES = public_entries_q("entries__")


@method_decorator(login_not_required, name="dispatch")
class LifeEventListView(PublicAdviceView):
    @extend_schema(
        operation_id="advice_life_events_list",
        tags=TAGS,
        summary="Événements de vie",
        description=(
            "Tous les événements de vie (non paginé), avec le nombre de conseils publiés, le "
            "lien vers ces conseils dans l'API et leur flux Atom."
        ),
        parameters=[AUDIENCE_PARAMETER, RETRY_AFTER],
        responses={
            200: OpenApiResponse(LifeEventSerializer(many=True), description="Événements."),
            400: INVALID_RESPONSE,
            429: THROTTLED_RESPONSE,
        },
    )
    @cache_public_json(NAMESPACE)
    def get(self, request):
        errors: dict[str, list[str]] = {}
        audience = self.audience_filter(errors)
        if errors:
            return invalid_response(errors)
        events = LifeEvent.objects.annotate(
            entry_count=Count("entries", filter=PUBLISHED_ENTRIES, distinct=True)
        ).order_by("audience", "position", "title")
        if audience:
            events = events.filter(audience=audience)
        return Response(
            LifeEventSerializer(events, many=True, context={"absolute": self.absolute}).data
        )


@method_decorator(login_not_required, name="dispatch")
class ProcedureListView(PublicAdviceView):
    @extend_schema(
        operation_id="advice_procedures_list",
        tags=TAGS,
        summary="Démarches",
        description=(
            "Toutes les démarches (non paginé), avec leur service en ligne officiel, leurs "
            "administrations, le nombre de conseils publiés, le lien vers ces conseils dans "
            "l'API et leur flux Atom."
        ),
        parameters=[OWNER_PARAMETER, RETRY_AFTER],
        responses={
            200: OpenApiResponse(ProcedureSerializer(many=True), description="Démarches."),
            400: INVALID_RESPONSE,
            429: THROTTLED_RESPONSE,
        },
    )
    @cache_public_json(NAMESPACE)
    def get(self, request):
        errors: dict[str, list[str]] = {}
        owner = self.owner_filter(errors)
        if errors:
            return invalid_response(errors)
        procedures = (
            Procedure.objects.annotate(
                entry_count=Count("entries", filter=PUBLISHED_ENTRIES, distinct=True)
            )
            .prefetch_related("owners")
            .order_by("title", "slug")
        )
        if owner:
            procedures = procedures.filter(
                pk__in=Procedure.objects.filter(owners__path__tree_prefix=owner.path).values("pk")
            )
        return Response(
            ProcedureSerializer(procedures, many=True, context={"absolute": self.absolute}).data
        )
