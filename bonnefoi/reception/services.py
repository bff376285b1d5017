"""Writes of the premises audits: checklist sync, audits with photos, corrective actions,
reminders. Keyword-only, atomic, checked against the abilities, written to the audit log."""

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from bonnefoi.core.audit import audit_log
from bonnefoi.reception import checklists
from bonnefoi.reception.abilities import corrective_action_abilities, site_premises_abilities
from bonnefoi.reception.conf import setting
from bonnefoi.reception.models import (
    ActionStatus,
    Audit,
    AuditPhoto,
    AuditReminder,
    ChecklistVersion,
    CorrectiveAction,
    Criterion,
    CriterionResult,
    Rating,
)
from bonnefoi.reception.photos import CleanPhoto, photo_storage
from bonnefoi.reception.scoring import audit_score
from bonnefoi.reception.selectors import reminder_recipients, sites_due_for_reminder
from bonnefoi.structures.models import Agent, AnonymityException, Structure, StructureKind
from bonnefoi.structures.selectors import administration_of, structure_subtree

# A partly met or unmet criterion says what is missing: the comment is what the site acts on.
COMMENT_REQUIRED = (Rating.PARTLY_MET, Rating.NOT_MET)


def checklists_sync(
    *, versions: list[checklists.ChecklistData] | None = None
) -> checklists.SyncReport:
    """Sync the checklist files into the database (see checklists.sync_checklists)."""
    with transaction.atomic():
        report = checklists.sync_checklists(
            version_model=ChecklistVersion,
            criterion_model=Criterion,
            result_model=CriterionResult,
            versions=versions,
        )
        for number in report.created + report.updated:
            audit_log(
                actor=None,
                action="reception.checklist.synced",
                obj=ChecklistVersion.objects.get(number=number),
                details={"number": number, "created": number in report.created},
            )
    return report


@dataclass
class ResultInput:
    rating: str
    comment: str = ""
    photos: list[CleanPhoto] = field(default_factory=list)


def audit_record_errors(
    *,
    site: Structure,
    checklist: ChecklistVersion,
    visited_on: dt.date,
    results: dict[str, ResultInput],
    today: dt.date | None = None,
) -> dict[str, list[str]]:
    """{field: French messages}: "visited_on", "checklist", or a criterion key."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if site.kind != StructureKind.SITE:
        errors.setdefault("site", []).append("Seul un site d'accueil peut être audité.")
    if visited_on > today:
        errors.setdefault("visited_on", []).append("La date de la visite ne peut pas être à venir.")
    if visited_on < checklist.valid_from:
        errors.setdefault("visited_on", []).append(
            f"La grille n° {checklist.number} ne s'applique qu'aux visites faites à partir du "
            f"{checklist.valid_from:%d/%m/%Y}."
        )
    keys = list(checklist.criteria.order_by("position").values_list("key", flat=True))
    unknown = set(results) - set(keys)
    if unknown:
        errors.setdefault("checklist", []).append(
            "Des critères ne font pas partie de la grille : " + ", ".join(sorted(unknown)) + "."
        )
    most = setting("RECEPTION_PHOTOS_PER_CRITERION")
    for key in keys:
        result = results.get(key)
        if result is None or result.rating not in Rating.values:
            errors.setdefault(key, []).append("Choisissez une appréciation pour ce critère.")
            continue
        if result.rating in COMMENT_REQUIRED and not result.comment.strip():
            errors.setdefault(key, []).append(
                "Dites ce qui manque : un commentaire est demandé quand le critère n'est pas "
                "respecté ou ne l'est qu'en partie."
            )
        if len(result.photos) > most:
            errors.setdefault(key, []).append(f"Au plus {most} photos par critère.")
    return errors


def audit_record(
    *,
    actor,
    site: Structure,
    checklist: ChecklistVersion,
    kind: str,
    visited_on: dt.date,
    results: dict[str, ResultInput],
    conducted_by: str = "",
    summary: str = "",
) -> Audit:
    """Record a complete audit: one result per criterion of ``checklist``, photos stored."""
    if not site_premises_abilities(actor, site)["record_audit"]:
        raise PermissionDenied("Vous ne pouvez pas enregistrer d'audit pour ce site.")
    errors = audit_record_errors(
        site=site, checklist=checklist, visited_on=visited_on, results=results
    )
    if errors:
        raise ValidationError(errors)
    criteria = {c.key: c for c in checklist.criteria.all()}
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            audit = Audit.objects.create(
                site=site,
                checklist=checklist,
                kind=kind,
                visited_on=visited_on,
                conducted_by=conducted_by.strip(),
                summary=summary.strip(),
                score=audit_score(r.rating for r in results.values()),
                recorded_by=actor,
            )
            photo_count = 0
            for key, criterion in criteria.items():
                given = results[key]
                result = CriterionResult.objects.create(
                    audit=audit,
                    criterion=criterion,
                    rating=given.rating,
                    comment=given.comment.strip(),
                )
                for clean in given.photos:
                    photo = AuditPhoto(
                        result=result,
                        content_type=clean.content_type,
                        width=clean.width,
                        height=clean.height,
                        size=len(clean.content),
                        uploaded_by=actor,
                    )
                    upload = clean.as_file()
                    photo.image.save(upload.name, upload, save=False)
                    saved_files.append(photo.image.name)
                    photo.save()
                    photo_count += 1
            audit_log(
                actor=actor,
                action="reception.audit.recorded",
                obj=audit,
                structure=site,
                details={
                    "checklist": checklist.number,
                    "kind": kind,
                    "visited_on": visited_on.isoformat(),
                    "score": str(audit.score) if audit.score is not None else None,
                    "photos": photo_count,
                },
            )
    except Exception:
        for name in saved_files:  # the rows are rolled back: do not leave their files behind
            photo_storage().delete(name)
        raise
    return audit


def eligible_action_owners(site: Structure):
    """Agents who may own a corrective action of a site: those of its administration's subtree
    (or of the site's own subtree when it hangs under no administration)."""
    root = administration_of(site) or site
    in_force = AnonymityException.objects.in_force(timezone.localdate())
    return (
        Agent.objects.filter(structure__in=structure_subtree(root))
        .select_related("structure", "user")
        .prefetch_related(Prefetch("anonymity_exceptions", queryset=in_force))
    )


def corrective_action_create(
    *,
    actor,
    audit: Audit,
    criterion: Criterion,
    description: str,
    owner: Agent,
    due_on: dt.date,
) -> CorrectiveAction:
    if not site_premises_abilities(actor, audit.site)["manage_actions"]:
        raise PermissionDenied("Vous ne pouvez pas ouvrir d'action corrective pour ce site.")
    errors: dict[str, list[str]] = {}
    if criterion.checklist_id != audit.checklist_id:
        errors["criterion"] = ["Ce critère ne fait pas partie de la grille de cet audit."]
    if not eligible_action_owners(audit.site).filter(pk=owner.pk).exists():
        errors["owner"] = ["Choisissez un agent de l'administration dont dépend le site."]
    if due_on < audit.visited_on:
        errors["due_on"] = ["L'échéance ne peut pas précéder la visite."]
    if not description.strip():
        errors["description"] = ["Décrivez l'action à mener."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            audit=audit,
            criterion=criterion,
            description=description.strip(),
            owner=owner,
            due_on=due_on,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="reception.corrective_action.created",
            obj=action,
            structure=audit.site,
            details={"audit": audit.pk, "criterion": criterion.key, "due_on": due_on.isoformat()},
        )
    return action


def corrective_action_update(
    *,
    actor,
    action: CorrectiveAction,
    status: str,
    follow_up: str = "",
    today: dt.date | None = None,
) -> CorrectiveAction:
    """Move an action to a new status; "faite" stamps today's date, any other status clears it.

    The row is locked and re-read first, and the rights are checked on that state: two people
    acting at once (one closes, the other updates what they saw open) are applied one after the
    other, the second against the first's result, never on a stale copy."""
    today = today or timezone.localdate()
    with transaction.atomic():
        action.refresh_from_db(
            fields=["status", "completed_on", "follow_up", "owner", "audit"],
            from_queryset=CorrectiveAction.objects.select_for_update(of=("self",)),
        )
        abilities = corrective_action_abilities(actor, action)
        if not (abilities["update"] or abilities["reopen"]):
            raise PermissionDenied("Vous ne pouvez pas mettre à jour cette action.")
        if status not in ActionStatus.values:
            raise ValidationError({"status": ["État inconnu."]})
        if (
            abilities["reopen"]
            and not abilities["update"]
            and status not in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
        ):
            raise ValidationError({"status": ["Une action close ne peut qu'être rouverte."]})
        previous = action.status
        action.status = status
        action.completed_on = today if status == ActionStatus.DONE else None
        action.follow_up = follow_up.strip()
        action.save(update_fields=["status", "completed_on", "follow_up", "updated_at"])
        audit_log(
            actor=actor,
            action="reception.corrective_action.updated",
            obj=action,
            structure=action.audit.site,
            details={"from": previous, "to": status},
        )
    return action


def photo_record_access(*, actor, photo: AuditPhoto) -> None:
    """Photos may show people despite the instructions: every view is logged."""
    audit_log(
        actor=actor,
        action="reception.photo.viewed",
        obj=photo,
        structure=photo.result.audit.site,
        details={"audit": photo.result.audit_id},
    )


@dataclass
class ReminderReport:
    sent: list[tuple[Structure, dt.date, int]] = field(default_factory=list)
    without_recipient: list[tuple[Structure, dt.date]] = field(default_factory=list)


def audit_reminders_send(*, today: dt.date | None = None, dry_run: bool = False) -> ReminderReport:
    """Queue one e-mail per site whose next audit is due soon or overdue, once per due date.
    Sites with nobody to tell are reported (and tried again on the next run)."""
    from bonnefoi.reception.tasks import notify_audit_due

    today = today or timezone.localdate()
    report = ReminderReport()
    for site, due_on in sites_due_for_reminder(today):
        recipients = reminder_recipients(site)
        if not recipients:
            report.without_recipient.append((site, due_on))
            continue
        report.sent.append((site, due_on, len(recipients)))
        if dry_run:
            continue
        with transaction.atomic():
            AuditReminder.objects.create(site=site, due_on=due_on, recipients=len(recipients))
            audit_log(
                actor=None,
                action="reception.audit_reminder.sent",
                obj=site,
                structure=site,
                details={"due_on": due_on.isoformat(), "recipients": len(recipients)},
            )
            transaction.on_commit(partial(notify_audit_due.enqueue, site.pk, due_on.isoformat()))
    return report
