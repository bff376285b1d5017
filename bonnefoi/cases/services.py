"""Every write on a correction case. Agent actions lock the case row (SELECT … FOR UPDATE),
check the version the agent saw (two agents acting at once: the second gets CaseConflict, in
French), move the state machine (models.TRANSITIONS), write a CaseEvent and the audit log, and,
once committed, tell the person and the administration's systems (hooks.after_event)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format

from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.cases import hooks
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.attachments import CheckedFile
from bonnefoi.cases.engine import run_engine
from bonnefoi.cases.identifiers import identifier_hmac, normalise_identifier
from bonnefoi.cases.models import (
    OPEN_STATES,
    REDIRECTABLE_STATES,
    TRANSITIONS,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Decision,
    Draft,
    EventKind,
    Invitation,
    Letter,
    Outcome,
)
from bonnefoi.cases.routing import ROUTABLE_KINDS, route
from bonnefoi.core.audit import audit_log
from bonnefoi.core.deadlines import deadline_from_rule
from bonnefoi.structures.models import Structure

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CONFLICT = (
    "Ce dossier vient d'être modifié par quelqu'un d'autre : votre action n'a pas été "
    "enregistrée. Rechargez la page pour voir son état actuel, puis recommencez si besoin."
)


class CaseConflict(Exception):
    """Another agent changed the case since this one loaded it."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)
        self.message = message


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
    network_id = int(structure.path.split("/")[0])  # the root of its tree
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
    draft.attachments.update(case=case, event=event)
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


# --- agents' side -------------------------------------------------------------------------------


def _agent_of(user):
    agent = getattr(user, "agent", None)
    if agent is None:
        raise PermissionDenied("Seul un agent peut agir sur un dossier.")
    return agent


def _locked(case: Case, user, ability: str, expected_version: int | None) -> Case:
    locked = (
        Case.objects.select_for_update().select_related("structure", "procedure").get(pk=case.pk)
    )
    abilities = case_abilities(user, locked)
    stale = expected_version is not None and locked.version != expected_version
    # A stale page is a conflict to explain even when the new state no longer allows the
    # action (a colleague decided meanwhile), provided the user may work on the case at all.
    if stale and (abilities["process"] or abilities[ability]):
        raise CaseConflict()
    if not abilities[ability]:
        raise PermissionDenied("Vous n'avez pas les droits nécessaires sur ce dossier.")
    if stale:
        raise CaseConflict()
    return locked


def _move(case: Case, to_state: str, now) -> None:
    if to_state not in TRANSITIONS[case.state]:
        raise ValidationError(
            f"Action impossible : le dossier est « {CaseState(case.state).label} »."
        )
    case.state = to_state
    case.state_changed_at = now


def _record(case: Case, user, kind: str, body: str = "", data: dict | None = None) -> CaseEvent:
    case.version += 1
    case.save()
    event = CaseEvent.objects.create(
        case=case, kind=kind, agent=_agent_of(user), body=body, data=data or {}
    )
    audit_log(actor=user, action=f"case.{kind}", obj=case, structure=case.structure)
    _after_commit(case, event)
    return event


def _after_commit(case: Case, event: CaseEvent) -> None:
    case_id, event_id = case.pk, event.pk
    transaction.on_commit(lambda: hooks.after_event(case_id, event_id))


@transaction.atomic
def case_take(*, case: Case, user, expected_version: int | None) -> Case:
    case = _locked(case, user, "process", expected_version)
    _move(case, CaseState.IN_REVIEW, timezone.now())
    case.assignee = _agent_of(user)
    _record(case, user, EventKind.TAKEN, "Votre déclaration est en cours d'examen.")
    return case


@transaction.atomic
def case_message(*, case: Case, user, body: str, expected_version: int | None) -> CaseEvent:
    case = _locked(case, user, "process", expected_version)
    if case.state not in OPEN_STATES:
        raise ValidationError(
            "Le dossier est décidé ou clos : écrivez dans le courrier de décision."
        )
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Écrivez le message."]})
    return _record(case, user, EventKind.MESSAGE_TO_PERSON, body)


@transaction.atomic
def case_note(*, case: Case, user, body: str) -> CaseEvent:
    """An internal note (never shown to the person); does not change the version."""
    case = _locked(case, user, "process", None)
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Écrivez la note."]})
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.INTERNAL_NOTE, agent=_agent_of(user), body=body
    )
    audit_log(actor=user, action="case.internal_note", obj=case, structure=case.structure)
    return event


def invitation_deadline(case: Case, rule: str, sent_on: date):
    """The calendar's deadline for an invitation sent on `sent_on` (the structure's zone)."""
    return deadline_from_rule(sent_on, rule, zone=case.structure.holiday_zone)


@transaction.atomic
def case_invite(
    *, case: Case, user, requested: str, rule: str, expected_version: int | None
) -> Invitation:
    """An invitation to regularise (CRPA L123-1): what to correct, by when. The deadline comes
    from the calendar and is written in the message the person receives."""
    case = _locked(case, user, "process", expected_version)
    requested = requested.strip()
    if not requested:
        raise ValidationError({"requested": ["Écrivez ce que la personne doit faire."]})
    today = timezone.localdate()
    try:
        computed = invitation_deadline(case, rule, today)
    except ValueError as error:
        raise ValidationError({"rule": [str(error)]}) from None
    _move(case, CaseState.AWAITING_PERSON, timezone.now())
    when = date_format(computed.end, "l j F Y")
    body = (
        f"{requested}\n\nVous pouvez régulariser votre situation jusqu'au {when} inclus. "
        "Si vous le faites dans ce délai, l'erreur ne pourra pas vous être reprochée par une "
        "sanction (droit à l'erreur, article L123-1 du code des relations entre le public et "
        "l'administration), sauf mauvaise foi ou fraude."
    )
    if computed.extended:
        body += (
            " Ce délai a été reporté au premier jour ouvré : " + " ; ".join(computed.reasons) + "."
        )
    event = _record(
        case, user, EventKind.INVITATION, body, {"deadline": computed.end.isoformat(), "rule": rule}
    )
    return Invitation.objects.create(
        case=case,
        event=event,
        requested=requested,
        sent_on=today,
        deadline_rule=rule,
        deadline=computed.end,
        deadline_reasons=list(computed.reasons),
    )


@transaction.atomic
def case_tag(*, case: Case, user, entry: Entry | None, other_label: str = "") -> Case:
    """Which frequent error the case is (the observatory counts them), or "other" + a label."""
    case = _locked(case, user, "process", None)
    other_label = other_label.strip()
    if entry is None and not other_label:
        raise ValidationError(
            {"entry": ["Choisissez l'erreur fréquente, ou décrivez-la en quelques mots."]}
        )
    if entry is not None and not entry.is_public:
        raise ValidationError({"entry": ["Ce conseil n'est pas publié."]})
    case.entry, case.other_error_label = entry, ("" if entry else other_label[:120])
    case.save(update_fields=["entry", "other_error_label", "updated_at"])
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.TAGGED,
        agent=_agent_of(user),
        body=entry.current_version.content["title"] if entry else other_label,
    )
    audit_log(actor=user, action="case.tag", obj=case, structure=case.structure)
    return case


@dataclass
class DecisionInput:
    outcome: str
    situation: dict
    motivation: str
    deviation_reason: str = ""
    evidence: str = ""
    sanction_amount_eur: object = None
    sums_due_eur: object = None


def decision_follows_engine(outcome: str, engine_applies: bool | None) -> bool:
    if engine_applies is None:
        return False
    return (outcome == Outcome.GRANTED) == engine_applies


@transaction.atomic
def case_decide(*, case: Case, user, data: DecisionInput, expected_version: int | None) -> Decision:
    """Record the agent's decision with the engine's answer on the completed situation. Bad
    faith or fraud needs a written statement of the evidence (the burden of proof is on the
    administration, CRPA L123-2), and is given to the engine as established; any decision
    other than the engine's needs a written reason."""
    case = _locked(case, user, "decide", expected_version)
    errors: dict[str, list[str]] = {}
    if data.outcome not in Outcome.values:
        errors["outcome"] = ["Choisissez une décision."]
    if not data.motivation.strip():
        errors["motivation"] = ["Écrivez la motivation : elle figurera dans le courrier."]
    situation = dict(data.situation)
    if data.outcome in (Outcome.BAD_FAITH, Outcome.FRAUD):
        if not data.evidence.strip():
            errors["evidence"] = [
                "La mauvaise foi ou la fraude doit être établie par l'administration : décrivez "
                "les éléments de preuve (article L123-2 du code des relations entre le public "
                "et l'administration)."
            ]
        fact = "bad_faith_established" if data.outcome == Outcome.BAD_FAITH else "fraud_established"
        situation[fact] = True
    try:
        engine = run_engine(situation)
    except ValidationError as error:
        errors.update(error.message_dict)
        engine = None
    applies = engine["right_to_error_applies"] if engine else None
    follows = decision_follows_engine(data.outcome, applies) if engine else False
    if engine and not follows and not data.deviation_reason.strip():
        errors["deviation_reason"] = [
            "Votre décision diffère de l'avis du moteur (ou le moteur n'a pas pu conclure) : "
            "écrivez pourquoi."
        ]
    if errors:
        raise ValidationError(errors)
    _move(case, CaseState.DECIDED, timezone.now())
    case.decided_at = timezone.now()
    agent = _agent_of(user)
    decision = Decision.objects.create(
        case=case,
        agent=agent,
        outcome=data.outcome,
        situation=situation,
        engine=engine,
        engine_applies=applies,
        rule=engine.get("rule") or "",
        follows_engine=follows,
        deviation_reason=data.deviation_reason.strip(),
        evidence=data.evidence.strip(),
        motivation=data.motivation.strip(),
        sanction_amount_eur=data.sanction_amount_eur,
        sums_due_eur=data.sums_due_eur,
    )
    Letter.objects.create(decision=decision)
    _record(
        case,
        user,
        EventKind.DECIDED,
        Outcome(data.outcome).label + ".",
        {"outcome": data.outcome, "follows_engine": follows},
    )
    return decision


@transaction.atomic
def case_close(*, case: Case, user, expected_version: int | None) -> Case:
    case = _locked(case, user, "process", expected_version)
    now = timezone.now()
    _move(case, CaseState.CLOSED, now)
    case.closed_at = now
    _record(case, user, EventKind.CLOSED, "Dossier clos.")
    return case


@transaction.atomic
def case_redirect(
    *, case: Case, user, to: Structure, reason: str, expected_version: int | None
) -> Case:
    """Hand the case to another structure, with a reason the person reads. It starts again
    as "submitted" there; this structure's agents no longer see it."""
    case = _locked(case, user, "process", expected_version)
    errors = {}
    if case.state not in REDIRECTABLE_STATES:
        errors["to"] = ["Un dossier décidé ou clos ne peut plus être transmis."]
    if to.pk == case.structure_id:
        errors["to"] = ["Choisissez une autre structure que celle en charge."]
    elif to.kind not in ROUTABLE_KINDS:
        errors["to"] = [
            "Transmettez à une administration ou à un service, pas à un réseau ou un site."
        ]
    if not reason.strip():
        errors["reason"] = ["Indiquez pourquoi le dossier est transmis."]
    if errors:
        raise ValidationError(errors)
    previous = case.structure
    case.structure, case.assignee = to, None
    case.state, case.state_changed_at = CaseState.SUBMITTED, timezone.now()
    _record(
        case,
        user,
        EventKind.REDIRECTED,
        f"Votre dossier a été transmis à : {to.name}. Motif : {reason.strip()}",
        {"from": previous.pk, "to": to.pk},
    )
    audit_log(
        actor=user,
        action="case.redirect.from",
        obj=case,
        structure=previous,
        details={"to": to.pk},
    )
    return case


# --- reads that must leave a trace ----------------------------------------------------------


def case_record_view(*, case: Case, user, page: str) -> None:
    """Audit an agent's reading of a case (its page, its decision form): the declaration holds
    personal data, so every agent view leaves a line in the audit log (action "case.view")."""
    audit_log(
        actor=user, action="case.view", obj=case, structure=case.structure, details={"page": page}
    )


def case_record_download(*, case: Case, user, attachment: Attachment) -> None:
    """Audit an agent's download of a document of the case."""
    audit_log(
        actor=user,
        action="case.attachment_download",
        obj=case,
        structure=case.structure,
        details={"attachment": attachment.pk},
    )
