"""Public API: submit a declaration (POST /api/v1/cases/), for services that help people declare
(an administration's own site, a mediator, a social worker's tool).

The JSON is judged by the public form's own step forms (bonnefoi.cases.forms.build_declaration):
the same checks and the same French messages, by field. Anonymous, without session or CSRF,
throttled per IP address. An `Idempotency-Key` header makes a retry safe: the key opens the
submission's draft, so the same key gives back the same case (200) instead of a second one.
Documents are not accepted here: the person adds them from their tracking page."""

from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.response import Response

from bonnefoi.cases import services
from bonnefoi.cases.forms import STEP_FORMS, build_declaration, step_errors
from bonnefoi.cases.models import Case, IdentifierKind
from bonnefoi.core.api import FixedWindowAnonThrottle
from bonnefoi.right_to_error.api import (
    MALFORMED,
    UNSUPPORTED_MEDIA_TYPE,
    PublicRightToErrorView,
    invalid_response,
)
from bonnefoi.right_to_error.openapi import DETAIL_SCHEMA, RETRY_AFTER, THROTTLED_RESPONSE

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
TOO_BIG = "Requête trop volumineuse : une déclaration tient en quelques kilo-octets."
BOOLEAN_FIELDS = {"administration_asked", "consent"}
FIELDS = [name for form in STEP_FORMS.values() for name in form.base_fields]


class CaseSubmitThrottle(FixedWindowAnonThrottle):
    """Per-IP limit; CASE_API_THROTTLE_RATE overrides the default."""

    scope = "cases_submit"

    def get_rate(self):
        return getattr(settings, "CASE_API_THROTTLE_RATE", "20/hour")


def form_data(payload) -> tuple[dict, dict[str, list[str]]]:
    """The JSON body as the form's raw strings, and the errors of shape (not of content)."""
    if not isinstance(payload, dict):
        return {}, {"declaration": ["Le corps doit être un objet JSON."]}
    errors: dict[str, list[str]] = {}
    data: dict[str, str] = {}
    for name, value in payload.items():
        if name not in FIELDS:
            errors[name] = [f"Champ inconnu. Champs acceptés : {', '.join(FIELDS)}."]
        elif name in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                errors[name] = ["Valeur attendue : true ou false."]
            elif name == "administration_asked":
                data[name] = "yes" if value else "no"
            else:
                data[name] = "on" if value else ""
        elif value is None:
            data[name] = ""
        elif isinstance(value, str):
            data[name] = value
        else:
            errors[name] = ["Valeur attendue : une chaîne de caractères."]
    return data, errors


def _case_body(request, case: Case) -> dict:
    secret = services.tracking_secret(case)
    return {
        "reference": case.reference,
        "tracking_url": request.build_absolute_uri(
            reverse("cases:track", args=[case.reference, secret])
        ),
        "state": case.state,
        "structure": case.structure.name,
    }


def _created(request, case: Case, *, created: bool) -> Response:
    body = _case_body(request, case)
    response = Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
    response["Location"] = body["tracking_url"]
    response["Cache-Control"] = "no-store"
    return response


_STRING = {"type": "string"}
_DATE = {"type": "string", "format": "date", "example": "2026-01-15"}
DECLARATION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "procedure": {
            **_STRING,
            "description": "Identifiant (slug) de la démarche concernée, tel que le donne "
            "GET /api/v1/advice/procedures/. L'administration qui reçoit la déclaration en "
            "découle, avec le code postal.",
            "example": "declarer-ses-ressources-trimestrielles",
        },
        "postal_code": {
            **_STRING,
            "pattern": r"^\d{5}$",
            "description": "Code postal du domicile de la personne (ou du siège).",
            "example": "30900",
        },
        "declared_value": {
            **_STRING,
            "maxLength": 2000,
            "description": "Ce qui a été déclaré.",
        },
        "declared_on": {**_DATE, "description": "Date de la déclaration (pas dans le futur)."},
        "correct_value": {**_STRING, "maxLength": 2000, "description": "Ce qui est exact."},
        "correct_since": {**_DATE, "description": "Depuis quand c'est exact (pas dans le futur)."},
        "administration_asked": {
            "type": "boolean",
            "description": "L'administration a-t-elle déjà demandé la correction ? Obligatoire.",
        },
        "letter_date": {
            **_DATE,
            "nullable": True,
            "description": "Date de son courrier : obligatoire si administration_asked est "
            "vrai, interdite sinon.",
        },
        "letter_deadline": {
            **_DATE,
            "nullable": True,
            "description": "Date limite indiquée par ce courrier, s'il en indique une (pas "
            "avant la date du courrier).",
        },
        "identifier_kind": {
            **_STRING,
            "enum": IdentifierKind.values,
            "description": "Type d'identifiant de dossier (facultatif) : "
            + " ; ".join(f"`{value}` : {label}" for value, label in IdentifierKind.choices)
            + ".",
        },
        "identifier": {
            **_STRING,
            "description": "Identifiant de dossier, vérifié selon son type (clé de contrôle "
            "du NIR, du SIRET…) ; vide si identifier_kind est vide.",
        },
        "contact_email": {
            **_STRING,
            "format": "email",
            "description": "Adresse électronique de la personne : elle reçoit l'accusé de "
            "réception et le lien de suivi.",
        },
        "consent": {
            "type": "boolean",
            "description": "La personne accepte la transmission de sa déclaration à "
            "l'administration (elle a lu les informations sur la conservation de ses données). "
            "Doit valoir true.",
        },
    },
    "required": [
        "procedure",
        "postal_code",
        "declared_value",
        "declared_on",
        "correct_value",
        "correct_since",
        "administration_asked",
        "contact_email",
        "consent",
    ],
}
CASE_SCHEMA = {
    "type": "object",
    "properties": {
        "reference": {**_STRING, "description": "Référence lisible, par exemple BF-7K3M-Q9XA."},
        "tracking_url": {
            **_STRING,
            "format": "uri",
            "description": "Lien secret de suivi, à remettre à la personne seule.",
        },
        "state": {**_STRING, "description": "État du dossier (submitted à la création)."},
        "structure": {**_STRING, "description": "Administration qui a reçu la déclaration."},
    },
    "required": ["reference", "tracking_url", "state", "structure"],
}
INVALID_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {**_STRING, "description": "Résumé en français."},
        "errors": {
            "type": "object",
            "description": "Messages en français par champ.",
            "additionalProperties": {"type": "array", "items": _STRING},
        },
    },
    "required": ["detail", "errors"],
}
EXAMPLE = {
    "procedure": "declarer-ses-ressources-trimestrielles",
    "postal_code": "30900",
    "declared_value": "J'ai déclaré 1 800 € de salaire pour le trimestre.",
    "declared_on": "2026-01-15",
    "correct_value": "Mon salaire du trimestre était de 2 100 € (une prime oubliée).",
    "correct_since": "2026-01-15",
    "administration_asked": False,
    "identifier_kind": "caf_allocataire",
    "identifier": "1234567",
    "contact_email": "personne@exemple.fr",
    "consent": True,
}
DESCRIPTION = (
    "Dépose une déclaration d'erreur au nom d'une personne, avec les mêmes contrôles et les "
    "mêmes messages que le formulaire « Signaler une erreur » du site. La personne reçoit "
    "aussitôt l'accusé de réception par courriel, avec le lien de suivi. Les pièces jointes ne "
    "sont pas acceptées ici : la personne les ajoute depuis sa page de suivi.\n\n"
    "Envoyez un en-tête `Idempotency-Key` (8 à 100 caractères : lettres, chiffres, `_ . : -`) "
    "pour pouvoir réessayer sans risque : la même clé redonne le même dossier (réponse 200), "
    "sans relire le corps. Accès libre, sans compte ; nombre de requêtes limité par adresse IP."
)


@method_decorator(login_not_required, name="dispatch")
class CaseSubmitView(PublicRightToErrorView):
    throttle_classes = [CaseSubmitThrottle]

    @extend_schema(
        operation_id="cases_submit",
        tags=["signaler une erreur"],
        summary="Déposer une déclaration d'erreur",
        description=DESCRIPTION,
        request={
            "application/json": OpenApiRequest(
                DECLARATION_SCHEMA,
                examples=[OpenApiExample("Déclaration spontanée", value=EXAMPLE)],
            )
        },
        parameters=[
            OpenApiParameter(
                name="Idempotency-Key",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Clé choisie par l'appelant pour ce dépôt : la même clé avec le même "
                "corps redonne le même dossier (200) au lieu d'en créer un second ; avec un autre "
                "corps, la requête est refusée (422). Choisissez des clés imprévisibles (UUID).",
            ),
            RETRY_AFTER,
        ],
        responses={
            201: OpenApiResponse(CASE_SCHEMA, description="Dossier créé."),
            200: OpenApiResponse(
                CASE_SCHEMA,
                description="Même Idempotency-Key qu'un dépôt précédent : le dossier déjà créé.",
            ),
            400: OpenApiResponse(
                INVALID_SCHEMA,
                description="Déclaration invalide : messages en français par champ (mêmes "
                "contrôles que le formulaire du site), ou JSON illisible.",
            ),
            415: OpenApiResponse(
                DETAIL_SCHEMA, description="Corps envoyé dans un autre format que JSON."
            ),
            422: OpenApiResponse(
                INVALID_SCHEMA,
                description="Idempotency-Key déjà utilisée avec un autre corps : rien n'est "
                "créé ni renvoyé du dossier existant.",
            ),
            429: THROTTLED_RESPONSE,
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if key and not IDEMPOTENCY_KEY.match(key):
            return invalid_response(
                {
                    "Idempotency-Key": [
                        "Clé invalide : de 8 à 100 caractères (lettres, chiffres, _ . : -)."
                    ]
                },
                detail="En-tête Idempotency-Key invalide.",
            )
        # "api:" keeps these drafts apart from the web form's (whose secrets have no colon).
        secret = f"api:{key}" if key else services.new_secret()
        try:
            payload = request.data
        except UnsupportedMediaType:
            return Response(
                {"detail": UNSUPPORTED_MEDIA_TYPE}, status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
            )
        except ParseError as exc:
            return invalid_response({"declaration": [str(exc.detail)]}, detail=MALFORMED)
        except RequestDataTooBig:
            return invalid_response({"declaration": [TOO_BIG]}, detail=TOO_BIG)
        body_hash = request_hash(payload)
        if key:
            # A replay answers with the case only for the same body: a key alone (guessable,
            # shared by every caller) must not open someone else's case.
            earlier = services.draft_for(secret, create=False)
            if earlier is not None and earlier.case_id is not None:
                if earlier.request_hash != body_hash:
                    return _key_reused()
                return _created(request, earlier.case, created=False)
        data, errors = form_data(payload)
        declaration, bound = build_declaration(data)
        errors = {**step_errors(bound), **errors}
        if errors:
            return _invalid(errors)
        draft = services.draft_for(secret)
        if not services.draft_claim(draft=draft, request_hash=body_hash):
            return _key_reused()
        try:
            case, created = services.case_submit(draft=draft, declaration=declaration)
        except ValidationError as error:
            return _invalid(error.message_dict)
        return _created(request, case, created=created)


KEY_REUSED = (
    "Cette clé Idempotency-Key a déjà servi pour une autre déclaration : choisissez une "
    "nouvelle clé pour chaque nouvelle déclaration (la même clé ne sert qu'à renvoyer "
    "exactement la même requête)."
)


def request_hash(payload) -> str:
    """SHA-256 of the body as JSON with sorted keys (the same declaration, however sent)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_reused() -> Response:
    return Response(
        {"detail": KEY_REUSED, "errors": {"Idempotency-Key": [KEY_REUSED]}},
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def _invalid(errors: dict[str, list[str]]) -> Response:
    count = len(errors)
    detail = (
        "Déclaration invalide : 1 champ à corriger."
        if count == 1
        else f"Déclaration invalide : {count} champs à corriger."
    )
    return invalid_response(errors, detail=detail)
