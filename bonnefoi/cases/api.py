"""Agent API on correction cases (/api/v1/agent/cases/…): list and read the cases of the caller's
subtree, post messages and invitations, take, decide and close.

Authentication by personal token (`Authorization: Bearer <token>`, bonnefoi.cases.authentication)
or by the back-office session. Rights are exactly those of the back office (case_abilities): a
case outside the caller's subtree is 404, an action the caller may not take is 403. Writes go
through bonnefoi.cases.services (same checks, same audit); every read of a case is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from bonnefoi.cases import services, webhooks
from bonnefoi.cases.authentication import ApiTokenAuthentication
from bonnefoi.cases.letters import letter_pdf_response
from bonnefoi.cases.models import CaseEvent, Letter, WebhookEndpoint
from bonnefoi.cases.selectors import cases_visible_to, queue, with_overdue
from bonnefoi.cases.serializers import (
    ActionResultSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseSummarySerializer,
    DecisionInputSerializer,
    DecisionResultSerializer,
    DecisionSerializer,
    EventSerializer,
    InvitationInputSerializer,
    InvitationResultSerializer,
    InvitationSerializer,
    MessageInputSerializer,
    MessageResultSerializer,
    VersionSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from bonnefoi.structures.models import AnonymityException

TAG = "dossiers (espace agent)"
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Message en français."}},
}
_INVALID = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "Résumé en français."},
        "errors": {
            "type": "object",
            "description": "Messages en français par champ (« non_field_errors » : le dossier).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
UNAUTHENTICATED = {
    401: OpenApiResponse(_DETAIL, description="Jeton absent, inconnu ou révoqué."),
    403: OpenApiResponse(_DETAIL, description="Droits insuffisants pour cette action."),
}
NOT_FOUND = {404: OpenApiResponse(_DETAIL, description="Dossier introuvable ou hors périmètre.")}
INVALID = {
    400: OpenApiResponse(
        _INVALID,
        description="Données invalides ou action impossible dans l'état du dossier.",
        examples=[
            OpenApiExample(
                "Motivation manquante",
                value={
                    "detail": "1 champ à corriger.",
                    "errors": {
                        "motivation": ["Écrivez la motivation : elle figurera dans le courrier."]
                    },
                },
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
}
CONFLICT = {
    409: OpenApiResponse(
        _DETAIL, description="Le dossier a changé depuis la version envoyée : relisez-le."
    )
}
ACTION_ERRORS = {**UNAUTHENTICATED, **NOT_FOUND, **INVALID, **CONFLICT}


def invalid(errors: dict) -> Response:
    count = len(errors)
    detail = "1 champ à corriger." if count == 1 else f"{count} champs à corriger."
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _service_errors(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"non_field_errors": list(error.messages)}


def _agents_with_exceptions(prefix: str) -> Prefetch:
    return Prefetch(
        f"{prefix}__anonymity_exceptions",
        queryset=AnonymityException.objects.in_force(timezone.localdate()),
    )


@method_decorator(login_not_required, name="dispatch")
@extend_schema_view(
    list=extend_schema(
        operation_id="agent_cases_list",
        tags=[TAG],
        summary="Dossiers de mon périmètre",
        description=(
            "Les dossiers de correction des structures où l'appelant a un rôle qui donne accès "
            "aux dossiers (et de leurs sous-structures), ouverts comme clos. Sans filtre `"
            "updated_since` : les plus anciens d'abord ; avec : par date de modification "
            "croissante, pour une synchronisation. Aucune donnée personnelle dans la liste : "
            "lisez un dossier pour sa déclaration (lecture tracée)."
        ),
        parameters=[
            OpenApiParameter(
                "state",
                OpenApiTypes.STR,
                description="État : submitted, in_review, awaiting_person, decided, closed.",
            ),
            OpenApiParameter(
                "structure",
                OpenApiTypes.INT,
                description="Identifiant d'une structure de votre périmètre.",
            ),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Modifiés depuis cette date (ISO 8601, ex. 2026-11-27T08:00:00+01:00).",
            ),
        ],
        responses={200: CaseSummarySerializer(many=True), 400: INVALID[400], **UNAUTHENTICATED},
    ),
    retrieve=extend_schema(
        operation_id="agent_cases_read",
        tags=[TAG],
        summary="Lire un dossier",
        description=(
            "La déclaration, l'historique (événements publics et notes internes), les invitations "
            "à régulariser et la décision. Chaque lecture est écrite au journal d'audit "
            "(« case.view »)."
        ),
        responses={200: CaseDetailSerializer, **UNAUTHENTICATED, **NOT_FOUND},
    ),
)
class AgentCaseViewSet(viewsets.GenericViewSet):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    lookup_field = "reference"
    lookup_value_regex = r"BF-[0-9A-Z]{4}-[0-9A-Z]{4}"
    serializer_class = CaseSummarySerializer

    def get_queryset(self):
        return cases_visible_to(self.request.user)

    def _case(self, reference: str, *, detail: bool = False):
        cases = cases_visible_to(self.request.user).select_related(
            "structure", "procedure", "entry", "assignee__structure"
        )
        if detail:
            cases = cases.select_related("decision__letter", "decision__agent__structure")
            cases = with_overdue(cases).prefetch_related(
                _agents_with_exceptions("decision__agent"),
                _agents_with_exceptions("assignee"),
                Prefetch(
                    "events",
                    queryset=CaseEvent.objects.select_related("agent__structure").prefetch_related(
                        _agents_with_exceptions("agent")
                    ),
                ),
                "invitations",
            )
        case = cases.filter(reference=reference).first()
        if case is None:
            raise exceptions.NotFound()
        return case

    def _result(self, case, **extra) -> dict:
        case = self._case(case.reference)
        return {
            "case": CaseSummarySerializer(case, context=self.get_serializer_context()).data,
            **extra,
        }

    def list(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return invalid(filters.errors)
        params = filters.validated_data
        cases = queue(
            request.user,
            state=params.get("state"),
            structure_id=params.get("structure"),
            include_closed=True,
        ).prefetch_related(_agents_with_exceptions("assignee"))
        cases = cases.select_related("assignee__structure")
        if "updated_since" in params:
            cases = cases.filter(updated_at__gte=params["updated_since"]).order_by(
                "updated_at", "pk"
            )
        page = self.paginate_queryset(cases)
        serializer = CaseSummarySerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, reference=None):
        case = self._case(reference, detail=True)
        services.case_record_view(case=case, user=request.user, page="api")
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    def _act(self, func, **kwargs):
        try:
            return func(**kwargs), None
        except services.CaseConflict as conflict:
            return None, Response({"detail": conflict.message}, status=status.HTTP_409_CONFLICT)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied) or None) from None
        except ValidationError as error:
            return None, invalid(_service_errors(error))

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        if not serializer.is_valid():
            return None, invalid(serializer.errors)
        return serializer.validated_data, None

    @extend_schema(
        operation_id="agent_cases_take",
        tags=[TAG],
        summary="Prendre en charge un dossier déposé",
        description="Le dossier passe « en cours d'examen » et l'appelant en devient l'agent "
        "en charge ; la personne en est informée.",
        request=VersionSerializer,
        responses={200: ActionResultSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def take(self, request, reference=None):
        case = self._case(reference)
        data, error = self._input(VersionSerializer)
        if error:
            return error
        result, error = self._act(
            services.case_take, case=case, user=request.user, expected_version=data.get("version")
        )
        return error or Response(self._result(result))

    @extend_schema(
        operation_id="agent_cases_message",
        tags=[TAG],
        summary="Écrire à la personne",
        description="Le message s'ajoute à l'historique et la personne le reçoit par courriel, "
        "avec le lien de suivi de son dossier. Dossier ouvert seulement.",
        request=MessageInputSerializer,
        responses={201: MessageResultSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def messages(self, request, reference=None):
        case = self._case(reference)
        data, error = self._input(MessageInputSerializer)
        if error:
            return error
        event, error = self._act(
            services.case_message,
            case=case,
            user=request.user,
            body=data["body"],
            expected_version=data.get("version"),
        )
        if error:
            return error
        context = self.get_serializer_context()
        return Response(
            {**self._result(case), "event": EventSerializer(event, context=context).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="agent_cases_invite",
        tags=[TAG],
        summary="Inviter la personne à régulariser",
        description="Invitation à régulariser (article L123-1 du code des relations entre le "
        "public et l'administration) : ce qui est demandé et le délai, dont l'échéance est "
        "calculée par le calendrier (report au premier jour ouvré) et écrite dans le message. "
        "Le dossier passe « en attente de la personne ».",
        request=InvitationInputSerializer,
        responses={201: InvitationResultSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request, reference=None):
        case = self._case(reference)
        data, error = self._input(InvitationInputSerializer)
        if error:
            return error
        invitation, error = self._act(
            services.case_invite,
            case=case,
            user=request.user,
            requested=data["requested"],
            rule=data.get("rule") or settings.CASE_INVITATION_DEFAULT_RULE,
            expected_version=data.get("version"),
        )
        if error:
            return error
        return Response(
            {**self._result(case), "invitation": InvitationSerializer(invitation).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="agent_cases_decide",
        tags=[TAG],
        summary="Enregistrer la décision",
        description="Mêmes règles que dans l'espace agent : le moteur du droit à l'erreur évalue "
        "la situation ; une décision qui s'en écarte exige un motif écrit ; la mauvaise foi ou "
        "la fraude exige les éléments de preuve. Le courrier de décision (HTML et PDF accessible) "
        "est ensuite préparé en arrière-plan, puis la personne est prévenue.",
        request=DecisionInputSerializer,
        responses={201: DecisionResultSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, reference=None):
        case = self._case(reference)
        data, error = self._input(DecisionInputSerializer)
        if error:
            return error
        decision, error = self._act(
            services.case_decide,
            case=case,
            user=request.user,
            data=services.DecisionInput(
                outcome=data["outcome"],
                situation=data["situation"],
                motivation=data["motivation"],
                deviation_reason=data.get("deviation_reason", ""),
                evidence=data.get("evidence", ""),
                sanction_amount_eur=data.get("sanction_amount_eur"),
                sums_due_eur=data.get("sums_due_eur"),
            ),
            expected_version=data.get("version"),
        )
        if error:
            return error
        decision.refresh_from_db()
        context = self.get_serializer_context()
        return Response(
            {**self._result(case), "decision": DecisionSerializer(decision, context=context).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="agent_cases_close",
        tags=[TAG],
        summary="Clore un dossier décidé",
        request=VersionSerializer,
        responses={200: ActionResultSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, reference=None):
        case = self._case(reference)
        data, error = self._input(VersionSerializer)
        if error:
            return error
        result, error = self._act(
            services.case_close, case=case, user=request.user, expected_version=data.get("version")
        )
        return error or Response(self._result(result))

    @extend_schema(
        operation_id="agent_cases_letter",
        tags=[TAG],
        summary="Télécharger le courrier de décision (PDF)",
        description="Le PDF accessible (PDF/UA) tel qu'envoyé à la personne ; 404 tant qu'il "
        "n'est pas prêt. Lecture tracée au journal d'audit.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF."),
            **UNAUTHENTICATED,
            **NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def letter(self, request, reference=None):
        case = self._case(reference)
        letter = Letter.objects.filter(decision__case=case).select_related("decision__case").first()
        response = letter_pdf_response(letter)
        services.case_record_view(case=case, user=request.user, page="api.letter")
        return response


WEBHOOK_TAG = "webhooks (administrateurs)"
WEBHOOK_DESCRIPTION = (
    "Adresses des systèmes d'une administration prévenus de chaque changement d'état des "
    "dossiers de la structure et des structures rattachées (dépôt, prise en charge, invitation, "
    "réponse qui remet le dossier en examen, décision, clôture, transmission). Chaque envoi est "
    "un POST JSON sans donnée personnelle (référence, état, type d'événement, dates), avec les "
    "en-têtes `X-BonneFoi-Event`, `X-BonneFoi-Delivery` (le même à chaque nouvelle tentative), "
    "`X-BonneFoi-Timestamp` (secondes Unix) et `X-BonneFoi-Signature: sha256=<hex>` : le "
    "HMAC-SHA256, avec la clé du point d'appel, de `<timestamp>.<corps brut>`. Vérifiez-le en "
    "temps constant et refusez un horodatage à plus de 5 minutes (rejeu). Toute réponse hors "
    "2xx, ou pas de réponse dans le délai, est retentée après 1 min, 5 min, 30 min, 2 h et "
    "12 h, puis abandonnée."
)


@method_decorator(login_not_required, name="dispatch")
@extend_schema_view(
    list=extend_schema(
        operation_id="agent_webhooks_list",
        tags=[WEBHOOK_TAG],
        summary="Points d'appel (webhooks) que je gère",
        description=WEBHOOK_DESCRIPTION,
        responses={200: WebhookEndpointSerializer(many=True), **UNAUTHENTICATED},
    ),
    create=extend_schema(
        operation_id="agent_webhooks_create",
        tags=[WEBHOOK_TAG],
        summary="Déclarer un point d'appel",
        description="Réservé aux détenteurs du droit de gérer les webhooks de la structure "
        "(administrateurs). La clé de signature est tirée au hasard et renvoyée une seule fois.",
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **INVALID, **UNAUTHENTICATED},
    ),
    retrieve=extend_schema(
        operation_id="agent_webhooks_read",
        tags=[WEBHOOK_TAG],
        summary="Lire un point d'appel",
        responses={200: WebhookEndpointSerializer, **UNAUTHENTICATED, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        operation_id="agent_webhooks_update",
        tags=[WEBHOOK_TAG],
        summary="Modifier l'adresse ou désactiver un point d'appel",
        request=WebhookEndpointSerializer,
        responses={200: WebhookEndpointSerializer, **INVALID, **UNAUTHENTICATED, **NOT_FOUND},
    ),
    destroy=extend_schema(
        operation_id="agent_webhooks_delete",
        tags=[WEBHOOK_TAG],
        summary="Supprimer un point d'appel",
        responses={204: None, **UNAUTHENTICATED, **NOT_FOUND},
    ),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Webhook endpoints of the structures where the caller holds webhook.manage."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return webhooks.endpoints_manageable_by(self.request.user).order_by("pk")

    def _save(self, serializer, endpoint, *, created: bool):
        try:
            webhooks.webhook_endpoint_save(
                actor=self.request.user,
                endpoint=endpoint,
                changed_fields=list(serializer.validated_data),
            )
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        except ValidationError as error:
            return invalid(_service_errors(error))
        output = WebhookEndpointCreatedSerializer if created else WebhookEndpointSerializer
        return Response(
            output(endpoint).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def create(self, request):
        serializer = WebhookEndpointSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer.errors)
        return self._save(serializer, WebhookEndpoint(**serializer.validated_data), created=True)

    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        serializer = WebhookEndpointSerializer(endpoint, data=request.data, partial=True)
        if not serializer.is_valid():
            return invalid(serializer.errors)
        for field, value in serializer.validated_data.items():
            setattr(endpoint, field, value)
        return self._save(serializer, endpoint, created=False)

    def destroy(self, request, pk=None):
        webhooks.webhook_endpoint_delete(actor=request.user, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
