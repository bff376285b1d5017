"""Personal API tokens of agents (agent API): `Authorization: Bearer <token>`.

A token is shown once, when `manage.py api_token EMAIL` creates it; only its SHA-256 is stored
(ApiToken.key_hash), with its first 8 characters (prefix) to tell tokens apart and revoke one.
A token acts with its owner's own rights, and stops working when revoked or when the account is
deactivated. last_used_at is refreshed at most once a minute (no write on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions

from bonnefoi.cases.models import ApiToken
from bonnefoi.core.audit import audit_log

KEYWORD = "Bearer"
PREFIX_LENGTH = 8
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, email: str, label: str = "", actor=None) -> tuple[ApiToken, str]:
    """A new token for the account with this e-mail: (row, token in clear, to show once)."""
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError({"email": [f"Aucun compte avec l'adresse {email}."]})
    if not user.is_active:
        raise ValidationError({"email": ["Ce compte est désactivé."]})
    if getattr(user, "agent", None) is None and not user.is_superuser:
        raise ValidationError(
            {"email": ["Ce compte n'est pas celui d'un agent : l'API agent lui serait inutile."]}
        )
    raw = secrets.token_urlsafe(32)
    while ApiToken.objects.filter(prefix=raw[:PREFIX_LENGTH]).exists():  # prefixes stay unique
        raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw), label=label.strip()[:100]
    )
    audit_log(
        actor=actor,
        action="api_token.create",
        obj=token,
        details={"prefix": token.prefix, "user": user.pk, "label": token.label},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, prefix: str, actor=None) -> ApiToken:
    """Revoke the token starting with `prefix` (the 8 characters shown at creation)."""
    token = ApiToken.objects.select_for_update().filter(prefix=prefix.strip()).first()
    if token is None:
        raise ValidationError({"prefix": [f"Aucun jeton ne commence par « {prefix} »."]})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            details={"prefix": token.prefix, "user": token.user_id},
        )
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; no header: the next scheme (session) is tried."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization invalide : écrivez « Bearer » suivi du jeton, sans espace "
                "dans le jeton."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Jeton invalide.") from None
        token = (
            ApiToken.objects.select_related("user", "user__agent")
            .filter(key_hash=hash_token(raw))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Jeton inconnu.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Ce jeton a été révoqué.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("Le compte de ce jeton est désactivé.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        # A WWW-Authenticate challenge: unauthenticated callers get 401, not 403.
        return f'{KEYWORD} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The bearer scheme in the OpenAPI document."""

    target_class = "bonnefoi.cases.authentication.ApiTokenAuthentication"
    name = "jetonAgent"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=KEYWORD
        )
        scheme["description"] = (
            "Jeton personnel d'un agent, créé par `manage.py api_token EMAIL` et affiché une "
            "seule fois. Il agit avec les droits de l'agent (structures de son périmètre)."
        )
        return scheme
