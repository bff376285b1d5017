"""The person's file identifier at the administration: checked with python-stdnum, reduced to
a compact form, and compared across cases only through a keyed hash (HMAC-SHA256 with
CASE_IDENTIFIER_KEY) scoped to the network, so that "is it the first time?" can be answered
without the identifier being stored in clear anywhere but in its own case."""

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nif, nir, siren, siret

from bonnefoi.cases.models import IdentifierKind

_CAF = re.compile(r"^\d{7}$")  # [M] allocataire numbers: 7 digits (CAF usage, not a published norm)
_OTHER = re.compile(r"^[A-Z0-9]{4,40}$")
_STDNUM = {
    IdentifierKind.NIF: (
        nif,
        "Numéro fiscal invalide : il compte 13 chiffres, commençant par 0, 1, 2 ou 3.",
    ),
    IdentifierKind.NIR: (
        nir,
        "Numéro de sécurité sociale invalide : il compte 15 chiffres (clé comprise) ; vérifiez-le "
        "sur votre carte Vitale.",
    ),
    IdentifierKind.SIRET: (
        siret,
        "Numéro SIRET invalide : il compte 14 chiffres (vérifiez la clé).",
    ),
    IdentifierKind.SIREN: (
        siren,
        "Numéro SIREN invalide : il compte 9 chiffres (vérifiez la clé).",
    ),
}


def normalise_identifier(kind: str, value: str) -> str:
    """The identifier in compact form ("1850578006084 36" -> "185057800608436"), or a
    ValidationError in French. An empty kind means no identifier: the value must be empty."""
    value = (value or "").strip()
    if not kind:
        if value:
            raise ValidationError("Précisez de quel identifiant il s'agit.", code="kind")
        return ""
    if not value:
        raise ValidationError("Indiquez l'identifiant, ou choisissez « Je ne le connais pas ».")
    if kind in _STDNUM:
        module, message = _STDNUM[kind]
        try:
            return module.validate(value)
        except StdnumError:
            raise ValidationError(message, code="invalid") from None
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    if kind == IdentifierKind.CAF_ALLOCATAIRE:
        if not _CAF.match(compact):
            raise ValidationError(
                "Numéro d'allocataire invalide : il compte 7 chiffres (il figure sur vos courriers).",
                code="invalid",
            )
        return compact
    if kind == IdentifierKind.OTHER:
        if not _OTHER.match(compact):
            raise ValidationError(
                "Identifiant invalide : de 4 à 40 lettres ou chiffres.", code="invalid"
            )
        return compact
    raise ValidationError("Type d'identifiant inconnu.", code="kind")


def identifier_hmac(kind: str, compact: str, network_id: int) -> str:
    """Keyed hash of an identifier within one network (the same number at the CAF and at the
    Urssaf gives two unrelated hashes)."""
    if not compact:
        return ""
    message = f"{network_id}:{kind}:{compact}".encode()
    key = settings.CASE_IDENTIFIER_KEY.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
