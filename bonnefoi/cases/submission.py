"""The person's side of a case: drafts, the declaration and its submission (once per draft),
the tracking link, and the person's answers. Agents' actions are in services.py."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bonnefoi.advice.models import Procedure
from bonnefoi.cases.attachments import CheckedFile
from bonnefoi.cases.identifiers import identifier_hmac, normalise_identifier
from bonnefoi.cases.models import (
    OPEN_STATES,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Draft,
    EventKind,
)
from bonnefoi.cases.routing import root_id, route
from bonnefoi.cases.transitions import after_commit as _after_commit
from bonnefoi.cases.transitions import move as _move
from bonnefoi.core.audit import audit_log

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _tracking_hmac(case: Case, key: str) -> str:
    return salted_hmac(
        "bonnefoi.cases.tracking",
        f"{case.pk}:{case.tracking_nonce}",
        secret=key,
        algorithm="sha256",
    ).hexdigest()


def tracking_secret(case: Case) -> str:
    """The secret of the person's tracking link (with the reference): computed, never stored;
    it changes when the case's nonce changes (a new link was asked for)."""
    return _tracking_hmac(case, settings.SECRET_KEY)


def case_by_tracking(reference: str, secret: str) -> Case | None:
    """The case a tracking link opens, or None (constant-time comparison; keys being rotated
    in SECRET_KEY_FALLBACKS still open the links they made)."""
    if not secret or len(secret) > 100 or not reference or len(reference) > 20:
        return None
    case = Case.objects.select_related("structure", "procedure").filter(reference=reference).first()
    if case is None:
        return None
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(constant_time_compare(_tracking_hmac(case, key), secret) for key in keys):
        return case
    return None


@transaction.atomic
def case_renew_tracking(case: Case) -> Case:
    """Revoke every tracking link of the case and make a new one (sent by e-mail)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.tracking_nonce = secrets.token_hex(16)
    case.save(update_fields=["tracking_nonce", "updated_at"])
    audit_log(actor=None, action="case.tracking_renewed", obj=case, structure=case.structure)
    return case


def new_reference() -> str:
    """ "BF-7K3M-Q9XA": readable on the phone, not guessable in sequence."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"BF-{chars[:4]}-{chars[4:]}"


# --- drafts -----------------------------------------------------------------------------------


def draft_for(secret: str, *, create: bool = True) -> Draft | None:
    """The draft this secret opens (created empty the first time when `create`)."""
    token_hash = hash_secret(secret)
    if create:
        draft, _ = Draft.objects.get_or_create(token_hash=token_hash)
        return draft
    return Draft.objects.filter(token_hash=token_hash).first()


@transaction.atomic
def draft_claim(*, draft: Draft, request_hash: str) -> bool:
    """Tie an API draft to its request body: True when it is this body's (first claim, or
    the same body again), False when the key already served another body."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.request_hash and draft.request_hash != request_hash:
        return False
    if not draft.request_hash:
        draft.request_hash = request_hash
        draft.save(update_fields=["request_hash", "updated_at"])
    return True


def draft_save(*, draft: Draft, data: dict, step: str) -> Draft:
    """Keep what the person typed (merged with what was there), even when it is not valid yet."""
    draft.data = {**draft.data, **data}
    draft.step = step
    draft.save(update_fields=["data", "step", "updated_at"])
    return draft


def draft_attach(*, draft: Draft, checked: CheckedFile, limit: int) -> Attachment:
    if draft.attachments.count() >= limit:
        raise ValidationError(f"{limit} pièces jointes au plus par déclaration.", code="too_many")
    return Attachment.objects.create(
        draft=draft,
        file=checked.as_django_file(),
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )


@transaction.atomic
def draft_detach(*, draft: Draft, attachment_id: int) -> bool:
    """Take a document off a draft not yet submitted; its file is deleted once committed.
    False when the draft has no such document (already removed, or submitted meanwhile)."""
    attachment = draft.attachments.filter(pk=attachment_id, case__isnull=True).first()
    if attachment is None:
        return False
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
    return True


# --- submission ---------------------------------------------------------------------------------


@dataclass
class Declaration:
    """What a person declares, already checked field by field by the form or the API."""

    procedure: Procedure
    postal_code: str
    declared_value: str
    declared_on: date
    correct_value: str
    correct_since: date
    contact_email: str
    administration_asked: bool = False
    letter_date: date | None = None
    letter_deadline: date | None = None
    identifier_kind: str = ""
    identifier: str = ""


def check_declaration(declaration: Declaration) -> None:
    """The invariants whatever the channel (form or API); ValidationError by field name."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if declaration.declared_on > today:
        errors["declared_on"] = ["La date de la déclaration ne peut pas être dans le futur."]
    if declaration.correct_since > today:
        errors["correct_since"] = ["La date « exact depuis le » ne peut pas être dans le futur."]
    if declaration.administration_asked:
        if declaration.letter_date is None:
            errors["letter_date"] = ["Indiquez la date du courrier de l'administration."]
        elif declaration.letter_date > today:
            errors["letter_date"] = ["La date du courrier ne peut pas être dans le futur."]
        if (
            declaration.letter_deadline
            and declaration.letter_date
            and declaration.letter_deadline < declaration.letter_date
        ):
            errors["letter_deadline"] = ["Le délai ne peut pas finir avant la date du courrier."]
    elif declaration.letter_date or declaration.letter_deadline:
        errors["administration_asked"] = [
            "Vous indiquez un courrier : précisez que l'administration vous a demandé la correction."
        ]
    try:
        declaration.identifier = normalise_identifier(
            declaration.identifier_kind, declaration.identifier
        )
    except ValidationError as error:
        errors["identifier"] = list(error.messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def case_submit(*, draft: Draft, declaration: Declaration) -> tuple[Case, bool]:
    """Create the case of a draft, once: (case, created). Submitting the same draft again
    (double click, back then submit, an API retry with the same Idempotency-Key) returns the
    case already created."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.case_id is not None:
        return draft.case, False
    check_declaration(declaration)
    now = timezone.now()
    structure = route(declaration.procedure, declaration.postal_code)
    network_id = root_id(structure)
    case = None
    for _attempt in range(5):  # a reference collision is astronomically rare: retry anyway
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    reference=new_reference(),
                    tracking_nonce=secrets.token_hex(16),
                    structure=structure,
                    procedure=declaration.procedure,
                    postal_code=declaration.postal_code,
                    state=CaseState.SUBMITTED,
                    state_changed_at=now,
                    declared_value=declaration.declared_value,
                    declared_on=declaration.declared_on,
                    correct_value=declaration.correct_value,
                    correct_since=declaration.correct_since,
                    administration_asked=declaration.administration_asked,
                    letter_date=declaration.letter_date,
                    letter_deadline=declaration.letter_deadline,
                    contact_email=declaration.contact_email,
                    consent_at=now,
                    identifier_kind=declaration.identifier_kind,
                    identifier=declaration.identifier,
                    identifier_hmac=identifier_hmac(
                        declaration.identifier_kind, declaration.identifier, network_id
                    ),
                    submitted_at=now,
                )
            break
        except IntegrityError:
            continue
    if case is None:
        raise RuntimeError("Impossible d'attribuer une référence unique au dossier.")
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.SUBMITTED,
        by_person=True,
        body="Déclaration reçue.",
        data={"structure": structure.name},
    )
    draft.attachments.update(case=case, event=event, draft=None)
    draft.case = case
    draft.data = {}  # what was typed now lives in the case
    draft.save(update_fields=["case", "data", "updated_at"])
    audit_log(actor=None, action="case.submit", obj=case, structure=structure)
    _after_commit(case, event)
    return case, True


# --- person's side ------------------------------------------------------------------------------


@transaction.atomic
def case_person_answer(*, case: Case, body: str, files: list[CheckedFile], limit: int) -> CaseEvent:
    """The person answers (a message and/or documents). An answer to an invitation puts the
    case back in the agents' hands."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state not in OPEN_STATES:
        raise ValidationError(
            "Ce dossier est décidé ou clos : il n'accepte plus de réponse. Pour une nouvelle "
            "erreur, faites une nouvelle déclaration."
        )
    body = body.strip()
    if not body and not files:
        raise ValidationError("Écrivez un message ou joignez au moins un document.")
    if case.attachments.count() + len(files) > limit:
        raise ValidationError(f"{limit} pièces jointes au plus par dossier.")
    kind = EventKind.PERSON_MESSAGE if body else EventKind.DOCUMENT_ADDED
    event = CaseEvent.objects.create(case=case, kind=kind, by_person=True, body=body)
    for checked in files:
        Attachment.objects.create(
            case=case,
            event=event,
            file=checked.as_django_file(),
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    now = timezone.now()
    if case.state == CaseState.AWAITING_PERSON:
        case.invitations.filter(answered_at__isnull=True).update(answered_at=now)
        _move(case, CaseState.IN_REVIEW, now)
        # The answer moved the state: webhooks tell the administration's systems.
        event.data = {"state_from": CaseState.AWAITING_PERSON, "state_to": CaseState.IN_REVIEW}
        event.save(update_fields=["data"])
    case.version += 1
    case.save()
    audit_log(actor=None, action="case.person_answer", obj=case, structure=case.structure)
    _after_commit(case, event)
    return event
