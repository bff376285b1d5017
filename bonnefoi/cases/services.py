"""Every write on a correction case (the person's side lives in submission.py and is
re-exported here, so callers have one module to import). Agent actions lock the case row
(SELECT … FOR UPDATE), check the version the agent saw (two agents acting at once: the second
gets CaseConflict, in French), move the state machine (models.TRANSITIONS), write a CaseEvent
and the audit log, and, once committed, tell the person and the administration's systems
(hooks.after_event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from bonnefoi.advice.models import Entry
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.engine import run_engine
from bonnefoi.cases.identifiers import identifier_hmac
from bonnefoi.cases.models import (
    OPEN_STATES,
    REDIRECTABLE_STATES,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Decision,
    EventKind,
    Invitation,
    Letter,
    Outcome,
)
from bonnefoi.cases.routing import ROUTABLE_KINDS, root_id
from bonnefoi.cases.submission import (  # noqa: F401 - the person's side, re-exported
    REFERENCE_ALPHABET,
    Declaration,
    case_by_tracking,
    case_person_answer,
    case_renew_tracking,
    case_submit,
    check_declaration,
    draft_attach,
    draft_claim,
    draft_detach,
    draft_for,
    draft_save,
    hash_secret,
    new_reference,
    new_secret,
    tracking_secret,
)
from bonnefoi.cases.transitions import after_commit as _after_commit
from bonnefoi.cases.transitions import move as _move
from bonnefoi.core.audit import audit_log
from bonnefoi.core.deadlines import deadline_from_rule
from bonnefoi.structures.models import Structure

CONFLICT = (
    "Ce dossier vient d'être modifié par quelqu'un d'autre : votre action n'a pas été "
    "enregistrée. Rechargez la page pour voir son état actuel, puis recommencez si besoin."
)


class CaseConflict(Exception):
    """Another agent changed the case since this one loaded it."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)
        self.message = message


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


def _record(case: Case, user, kind: str, body: str = "", data: dict | None = None) -> CaseEvent:
    case.version += 1
    case.save()
    event = CaseEvent.objects.create(
        case=case, kind=kind, agent=_agent_of(user), body=body, data=data or {}
    )
    audit_log(actor=user, action=f"case.{kind}", obj=case, structure=case.structure)
    _after_commit(case, event)
    return event


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
    if case.identifier and root_id(to) != root_id(previous):
        # The keyed hash is per network: another network must not see this one's history.
        case.identifier_hmac = identifier_hmac(case.identifier_kind, case.identifier, root_id(to))
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
