"""Every write of the observatory's quality work: action plans, their actions, filing volumes
and the acknowledgement of spike alerts. Each one checks the actor's rights on the structure
concerned (``observatory.plan``), runs in a transaction and is written to the audit log.

Action status: planned → in progress → done | abandoned (planned may also be abandoned). Done
and abandoned are final. Done needs a completion date no later than today, the evidence and
a public summary of what changed, free of personal data (it is published)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bonnefoi.advice.models import Entry, Procedure
from bonnefoi.core.audit import audit_log
from bonnefoi.core.personal_data import find_personal_data, personal_data_message
from bonnefoi.observatory.abilities import observatory_abilities
from bonnefoi.observatory.models import (
    Action,
    ActionKind,
    ActionPlan,
    ActionStatus,
    FilingVolume,
    SpikeAlert,
)
from bonnefoi.structures.models import Agent, Structure
from bonnefoi.structures.selectors import structure_subtree

S = ActionStatus
TRANSITIONS = {
    # A quick fix may be done without ever being « en cours »: planned may go straight to done.
    S.PLANNED: {S.PLANNED, S.IN_PROGRESS, S.DONE, S.ABANDONED},
    S.IN_PROGRESS: {S.IN_PROGRESS, S.DONE, S.ABANDONED},
    S.DONE: {S.DONE},
    S.ABANDONED: {S.ABANDONED},
}


def _require_plan(actor, structure: Structure, message: str) -> None:
    if not observatory_abilities(actor, structure)["plan"]:
        raise PermissionDenied(message)


def eligible_action_owners(plan: ActionPlan):
    """Agents who may own an action of a plan: those of the plan's structure subtree."""
    return Agent.objects.filter(structure__in=structure_subtree(plan.structure)).select_related(
        "structure", "user"
    )


def plan_create(
    *,
    actor,
    structure: Structure,
    title: str,
    problem: str,
    entries,
    procedure: Procedure | None = None,
) -> ActionPlan:
    _require_plan(
        actor, structure, "Vous ne pouvez pas ouvrir de plan d'action pour cette structure."
    )
    entries = list(entries)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Donnez un intitulé au problème."]
    if not problem.strip():
        errors["problem"] = ["Décrivez le problème constaté."]
    if not entries:
        errors["entries"] = ["Choisissez au moins une erreur fréquente."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = ActionPlan.objects.create(
            structure=structure,
            title=title.strip(),
            problem=problem.strip(),
            procedure=procedure,
            created_by=actor,
        )
        plan.entries.set(entries)
        audit_log(
            actor=actor,
            action="observatory.plan.created",
            obj=plan,
            structure=structure,
            details={
                "entries": sorted(e.pk for e in entries),
                "procedure": procedure.pk if procedure else None,
            },
        )
    return plan


def action_create(
    *,
    actor,
    plan: ActionPlan,
    kind: str,
    description: str,
    owner: Agent,
    due_on: dt.date,
) -> Action:
    _require_plan(actor, plan.structure, "Vous ne pouvez pas ajouter d'action à ce plan.")
    errors: dict[str, list[str]] = {}
    if kind not in ActionKind.values:
        errors["kind"] = ["Type d'action inconnu."]
    if not description.strip():
        errors["description"] = ["Décrivez ce qui sera fait."]
    if not eligible_action_owners(plan).filter(pk=owner.pk).exists():
        errors["owner"] = ["Choisissez un agent de la structure du plan."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = Action.objects.create(
            plan=plan, kind=kind, description=description.strip(), owner=owner, due_on=due_on
        )
        audit_log(
            actor=actor,
            action="observatory.action.created",
            obj=action,
            structure=plan.structure,
            details={"plan": plan.pk, "kind": kind, "due_on": due_on.isoformat()},
        )
    return action


def action_update(
    *,
    actor,
    action: Action,
    status: str,
    completed_on: dt.date | None = None,
    evidence: str = "",
    public_summary: str = "",
    today: dt.date | None = None,
) -> Action:
    """Move an action along its status; the row is locked and re-read first."""
    today = today or timezone.localdate()
    with transaction.atomic():
        action = (
            Action.objects.select_for_update().select_related("plan__structure").get(pk=action.pk)
        )
        _require_plan(actor, action.plan.structure, "Vous ne pouvez pas modifier cette action.")
        previous = action.status
        errors: dict[str, list[str]] = {}
        if status not in S.values:
            raise ValidationError({"status": ["État inconnu."]})
        if status not in TRANSITIONS[previous]:
            raise ValidationError(
                {
                    "status": [
                        f"Une action « {S(previous).label.lower()} » ne peut pas passer à "
                        f"« {S(status).label.lower()} »."
                    ]
                }
            )
        evidence, public_summary = evidence.strip(), public_summary.strip()
        if status == S.DONE:
            if completed_on is None:
                errors["completed_on"] = ["Indiquez la date de réalisation."]
            elif completed_on > today:
                errors["completed_on"] = ["La date de réalisation ne peut pas être future."]
            if not evidence:
                errors["evidence"] = ["Indiquez la preuve de réalisation."]
            if not public_summary:
                errors["public_summary"] = ["Dites en quelques lignes ce qui a changé."]
            else:
                found = find_personal_data(public_summary)
                if found:
                    errors["public_summary"] = [personal_data_message(found)]
        if errors:
            raise ValidationError(errors)
        if previous == status and status in (S.DONE, S.ABANDONED):
            return action  # final states do not change
        action.status = status
        if status == S.DONE:
            action.completed_on = completed_on
            action.evidence = evidence
            action.public_summary = public_summary
        else:
            action.completed_on = None
            if evidence:
                action.evidence = evidence
        action.save()
        audit_log(
            actor=actor,
            action="observatory.action.updated",
            obj=action,
            structure=action.plan.structure,
            details={
                "from": previous,
                "to": status,
                "completed_on": completed_on.isoformat() if status == S.DONE else None,
            },
        )
    return action


def filing_volume_record(
    *,
    actor,
    structure: Structure,
    procedure: Procedure,
    first_day: dt.date,
    last_day: dt.date,
    filings: int,
    source: str,
) -> FilingVolume:
    """Record how many filings of a procedure a structure received over some days. Records of
    one structure and procedure never overlap (a day counted twice would skew the rates)."""
    _require_plan(
        actor, structure, "Vous ne pouvez pas enregistrer de volume pour cette structure."
    )
    errors: dict[str, list[str]] = {}
    if last_day < first_day:
        errors["last_day"] = ["La fin de la période ne peut pas précéder son début."]
    if filings <= 0:
        errors["filings"] = ["Indiquez un nombre de dépôts supérieur à zéro."]
    if not source.strip():
        errors["source"] = ["Indiquez d'où vient ce chiffre."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the structure's row so that two overlapping records cannot both pass the check.
        Structure.objects.select_for_update().get(pk=structure.pk)
        overlapping = (
            FilingVolume.objects.filter(
                structure=structure,
                procedure=procedure,
                first_day__lte=last_day,
                last_day__gte=first_day,
            )
            .order_by("first_day")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "first_day": [
                        "Cette période chevauche un volume déjà enregistré pour cette démarche "
                        f"(du {overlapping.first_day:%d/%m/%Y} au "
                        f"{overlapping.last_day:%d/%m/%Y})."
                    ]
                }
            )
        volume = FilingVolume.objects.create(
            structure=structure,
            procedure=procedure,
            first_day=first_day,
            last_day=last_day,
            filings=filings,
            source=source.strip(),
            recorded_by=actor,
        )
        audit_log(
            actor=actor,
            action="observatory.filing_volume.recorded",
            obj=volume,
            structure=structure,
            details={
                "procedure": procedure.pk,
                "first_day": first_day.isoformat(),
                "last_day": last_day.isoformat(),
                "filings": filings,
            },
        )
    return volume


def alert_can_acknowledge(user, entry: Entry) -> bool:
    return any(observatory_abilities(user, owner)["plan"] for owner in entry.owners.all())


def spike_alert_acknowledge(*, actor, alert: SpikeAlert) -> SpikeAlert:
    """A quality manager of an owner of the entry says the alert is being looked at."""
    with transaction.atomic():
        alert = SpikeAlert.objects.select_for_update().select_related("entry").get(pk=alert.pk)
        if not alert_can_acknowledge(actor, alert.entry):
            raise PermissionDenied("Vous ne pouvez pas prendre en compte cette alerte.")
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_log(actor=actor, action="observatory.spike_alert.acknowledged", obj=alert)
    return alert
