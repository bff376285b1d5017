"""Retention and access rights for the personal data of correction cases.

- Closed cases are deleted CASE_RETENTION_DAYS after closure, with everything attached to them
  (history, invitations, decision, letter, webhook deliveries) and their files on disk.
- Drafts never submitted are deleted CASE_DRAFT_RETENTION_DAYS after their last change, with
  their uploaded files; a submitted draft holds no data any more and goes the same way.
- An administrator may export, on a person's request, every case of their subtree filed with
  that person's e-mail address (JSON), audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.models import Attachment, Case, CaseState, Draft, Letter
from bonnefoi.cases.selectors import cases_visible_to
from bonnefoi.core.audit import audit_log


@dataclass
class PurgeReport:
    cases: list[str] = field(default_factory=list)  # references
    drafts: int = 0
    files: int = 0


def purgeable_cases(now=None):
    now = now or timezone.now()
    limit = now - timedelta(days=settings.CASE_RETENTION_DAYS)
    return Case.objects.filter(state=CaseState.CLOSED, closed_at__lt=limit)


def purgeable_drafts(now=None):
    now = now or timezone.now()
    limit = now - timedelta(days=settings.CASE_DRAFT_RETENTION_DAYS)
    return Draft.objects.filter(updated_at__lt=limit).filter(
        case__isnull=True
    ) | Draft.objects.filter(case__state=CaseState.CLOSED, updated_at__lt=limit)


def _files_of(cases, drafts) -> list:
    # A draft's own uploads only: once submitted, documents belong to the case and go with it.
    files = [
        a.file
        for a in Attachment.objects.filter(case__in=cases)
        | Attachment.objects.filter(draft__in=drafts, case__isnull=True)
    ]
    files += [
        letter.pdf for letter in Letter.objects.filter(decision__case__in=cases) if letter.pdf
    ]
    return files


def purge(*, dry_run: bool = False, now=None) -> PurgeReport:
    """Delete what is past its retention period (nothing when `dry_run`); files are removed
    from disk once the rows are gone (a failed transaction leaves both in place). The rows are
    locked and their ids frozen first, so that a draft submitted or resumed meanwhile keeps
    its documents."""
    with transaction.atomic():
        case_ids = list(
            purgeable_cases(now)
            .select_for_update()
            .order_by("closed_at")
            .values_list("pk", flat=True)
        )
        draft_ids = list(
            purgeable_drafts(now).select_for_update(of=("self",)).values_list("pk", flat=True)
        )
        cases = Case.objects.filter(pk__in=case_ids)
        drafts = Draft.objects.filter(pk__in=draft_ids)
        report = PurgeReport(
            cases=list(cases.order_by("closed_at").values_list("reference", flat=True)),
            drafts=len(draft_ids),
        )
        files = _files_of(cases, drafts)
        report.files = len(files)
        if dry_run:
            return report
        Attachment.objects.filter(draft__in=drafts, case__isnull=True).delete()
        drafts.delete()
        cases.delete()
        audit_log(
            actor=None,
            action="case.purge",
            details={"cases": len(report.cases), "drafts": report.drafts, "files": report.files},
        )
    for stored in files:
        stored.storage.delete(stored.name)
    return report


def person_data_export(*, actor, email: str) -> dict:
    """Every case of the actor's subtrees filed with `email`, with all that is kept about it
    (declaration, identifier, history including internal notes, documents' descriptions,
    invitations, decision and letter). Requires the right to export on each case; audited."""
    email = email.strip()
    cases = list(
        cases_visible_to(actor)
        .filter(contact_email__iexact=email)
        .select_related("structure", "procedure", "entry")
        .order_by("submitted_at")
    )
    if not cases:
        return {"email": email, "cases": []}
    for case in cases:
        if not case_abilities(actor, case)["export"]:
            raise PermissionDenied("Vous n'avez pas le droit d'exporter ces données.")
    exported = [_case_export(case) for case in cases]
    for case in cases:
        audit_log(actor=actor, action="case.export", obj=case, structure=case.structure)
    return {"email": email, "exported_at": timezone.now().isoformat(), "cases": exported}


def _case_export(case: Case) -> dict:
    decision = getattr(case, "decision", None)
    return {
        "reference": case.reference,
        "structure": case.structure.name,
        "procedure": case.procedure.title,
        "state": case.get_state_display(),
        "submitted_at": case.submitted_at.isoformat(),
        "postal_code": case.postal_code,
        "declared_value": case.declared_value,
        "declared_on": case.declared_on.isoformat(),
        "correct_value": case.correct_value,
        "correct_since": case.correct_since.isoformat(),
        "administration_asked": case.administration_asked,
        "letter_date": case.letter_date.isoformat() if case.letter_date else None,
        "letter_deadline": case.letter_deadline.isoformat() if case.letter_deadline else None,
        "contact_email": case.contact_email,
        "consent_at": case.consent_at.isoformat(),
        "identifier_kind": case.identifier_kind,
        "identifier": case.identifier,
        "events": [
            {
                "at": event.at.isoformat(),
                "kind": event.get_kind_display(),
                "by_person": event.by_person,
                "text": event.body,
            }
            for event in case.events.all()
        ],
        "invitations": [
            {
                "sent_on": invitation.sent_on.isoformat(),
                "requested": invitation.requested,
                "deadline": invitation.deadline.isoformat(),
                "answered_at": invitation.answered_at.isoformat()
                if invitation.answered_at
                else None,
            }
            for invitation in case.invitations.all()
        ],
        "documents": [
            {
                "name": attachment.original_name,
                "type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "added_at": attachment.created_at.isoformat(),
            }
            for attachment in case.attachments.all()
        ],
        "decision": None
        if decision is None
        else {
            "decided_at": decision.decided_at.isoformat(),
            "outcome": decision.get_outcome_display(),
            "motivation": decision.motivation,
            "evidence": decision.evidence,
            "sanction_amount_eur": str(decision.sanction_amount_eur)
            if decision.sanction_amount_eur is not None
            else None,
            "sums_due_eur": str(decision.sums_due_eur)
            if decision.sums_due_eur is not None
            else None,
        },
    }
