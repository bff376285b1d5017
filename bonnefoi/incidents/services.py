"""Every write of the compartment: the report, each follow-up step, the audit of every read.

Follow-up services lock the report row (``select_for_update``) and check the state on the
locked row, so two officers acting at once cannot, say, close a report twice or decide on a
protection nobody requested. The audit log never holds the narrative or a note: only ids,
the step and its closed-list detail.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bonnefoi.core.audit import audit_log
from bonnefoi.incidents.abilities import (
    HANDLE,
    can_report,
    compartment_permissions_on,
    report_abilities,
)
from bonnefoi.incidents.models import (
    CONSEQUENCES,
    IMMEDIATE_MEASURES,
    Complainant,
    EventKind,
    IncidentEvent,
    IncidentReport,
    ProtectionDecision,
    ProtectionStatus,
    Status,
    SupportKind,
)
from bonnefoi.incidents.selectors import reportable_structures
from bonnefoi.structures.models import Structure

MIN_ANSWER_LENGTH = 20


def incident_report_create(
    *,
    reporter,
    structure: Structure,
    occurred_at: dt.datetime,
    channel: str,
    gravity: str,
    category: str,
    narrative: str,
    author_kind: str,
    author_details: str = "",
    witnesses: str = "",
    consequences: frozenset[str] | set[str] = frozenset(),
    measures: frozenset[str] | set[str] = frozenset(),
) -> IncidentReport:
    """An agent reports an incident that happened at a structure of their scope."""
    if not can_report(reporter):
        raise PermissionDenied("Seul un agent peut signaler une incivilité.")
    if not reportable_structures(reporter).filter(pk=structure.pk).exists():
        raise ValidationError(
            {"structure": "Choisissez un site où vous travaillez ou qui relève de vous."}
        )
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_on": "Les faits ne peuvent pas être dans le futur."})
    if not narrative.strip():
        raise ValidationError({"narrative": "Décrivez ce qui s'est passé."})
    unknown = (set(consequences) - {n for n, _ in CONSEQUENCES}) | (
        set(measures) - {n for n, _ in IMMEDIATE_MEASURES}
    )
    if unknown:
        raise ValidationError(f"Conséquences ou mesures inconnues : {sorted(unknown)}.")
    with transaction.atomic():
        report = IncidentReport(
            structure=structure,
            reporter=reporter,
            occurred_at=occurred_at,
            channel=channel,
            gravity=gravity,
            category=category,
            narrative=narrative.strip(),
            author_kind=author_kind,
            author_details=author_details.strip(),
            witnesses=witnesses.strip(),
            **{name: name in consequences for name, _ in CONSEQUENCES},
            **{name: name in measures for name, _ in IMMEDIATE_MEASURES},
        )
        report.full_clean()
        report.save()
        IncidentEvent.objects.create(
            report=report,
            kind=EventKind.REPORTED,
            happened_on=timezone.localdate(),
            actor=reporter,
        )
        audit_log(
            actor=reporter,
            action="incidents.report.created",
            obj=report,
            structure=structure,
            details={"gravity": gravity, "category": category, "channel": channel},
        )
    return report


def incident_report_record_read(*, actor, report: IncidentReport) -> None:
    """Every opening of a report is written to the audit log (who, which report, when)."""
    audit_log(
        actor=actor,
        action="incidents.report.read",
        obj=report,
        structure=report.structure,
        details={"as_reporter": report.reporter_id == actor.pk},
    )


def incident_reports_record_listing(*, actor, report_ids: list[int]) -> None:
    """A list of reports was shown (date, site, gravity, state: no narrative)."""
    if report_ids:
        audit_log(
            actor=actor,
            action="incidents.report.listed",
            details={"reports": sorted(report_ids)},
        )


def incident_statistics_record_export(*, actor, root: Structure, year: int, period: str) -> None:
    audit_log(
        actor=actor,
        action="incidents.statistics.exported",
        obj=root,
        structure=root,
        details={"year": year, "period": period},
    )


# --- follow-up ----------------------------------------------------------------------------

_STATE_MESSAGES = {
    "acknowledge": "Ce signalement a déjà été pris en compte.",
    "offer_support": "Prenez d'abord le signalement en compte ; un signalement clos n'évolue plus.",
    "record_complaint": "Les deux plaintes possibles sont déjà enregistrées, ou le signalement "
    "n'est pas en cours de suivi.",
    "request_protection": "Une demande de protection fonctionnelle est déjà enregistrée, ou le "
    "signalement n'est pas en cours de suivi.",
    "decide_protection": "Aucune demande de protection fonctionnelle n'attend de décision.",
    "report_to_prosecutor": "Le signalement au procureur est déjà enregistré, ou le "
    "signalement n'est pas en cours de suivi.",
    "close": "Ce signalement ne peut pas être clos maintenant : il doit être pris en compte, "
    "pas déjà clos, et sans demande de protection fonctionnelle en attente de décision.",
}


def _lock(report: IncidentReport, actor, ability: str) -> IncidentReport:
    """The report re-read under a row lock, after checking ``ability`` on the locked state.

    Someone who may not handle the report gets PermissionDenied; an officer asking for a step
    the current state does not allow gets a French ValidationError.
    """
    locked = (
        IncidentReport.objects.select_for_update(of=("self",))
        .select_related("structure")
        .get(pk=report.pk)
    )
    if report_abilities(actor, locked)[ability]:
        return locked
    is_handler = HANDLE in compartment_permissions_on(actor, locked.structure)
    if not is_handler or locked.reporter_id == actor.pk:
        raise PermissionDenied("Seul un référent incivilités du site peut suivre ce signalement.")
    raise ValidationError(_STATE_MESSAGES[ability])


def _check_date(report: IncidentReport, on: dt.date) -> None:
    if on > timezone.localdate():
        raise ValidationError({"happened_on": "Cette date est dans le futur."})
    if on < timezone.localtime(report.occurred_at).date():
        raise ValidationError({"happened_on": "Cette date précède les faits signalés."})


def _event(report, actor, kind: str, on: dt.date, *, detail: str = "", note: str = ""):
    event = IncidentEvent.objects.create(
        report=report, kind=kind, happened_on=on, actor=actor, detail=detail, note=note.strip()
    )
    audit_log(
        actor=actor,
        action=f"incidents.report.{kind}",
        obj=report,
        structure=report.structure,
        details={"event": event.pk, "detail": detail},
    )
    return event


@transaction.atomic
def incident_report_acknowledge(
    *, report: IncidentReport, actor, on: dt.date | None = None, note: str = ""
) -> IncidentEvent:
    """The manager's acknowledgement, recorded by an incident officer: the follow-up starts."""
    report = _lock(report, actor, "acknowledge")
    on = on or timezone.localdate()
    _check_date(report, on)
    report.status = Status.ACKNOWLEDGED
    report.acknowledged_at = timezone.now()
    report.acknowledged_by = actor
    report.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return _event(report, actor, EventKind.ACKNOWLEDGED, on, note=note)


@transaction.atomic
def incident_support_offer(
    *, report: IncidentReport, actor, kind: str, on: dt.date, note: str = ""
) -> IncidentEvent:
    """Support offered to the agent: an interview, medical care or psychological support."""
    if kind not in SupportKind.values:
        raise ValidationError({"detail": "Choisissez le soutien proposé."})
    report = _lock(report, actor, "offer_support")
    _check_date(report, on)
    return _event(report, actor, EventKind.SUPPORT_OFFERED, on, detail=kind, note=note)


@transaction.atomic
def incident_complaint_record(
    *, report: IncidentReport, actor, complainant: str, on: dt.date, note: str = ""
) -> IncidentEvent:
    """A complaint filed by the agent, or by the administration (with the agent's consent)."""
    if complainant not in Complainant.values:
        raise ValidationError({"detail": "Dites qui a porté plainte."})
    report = _lock(report, actor, "record_complaint")
    _check_date(report, on)
    field = (
        "complaint_by_agent" if complainant == Complainant.AGENT else "complaint_by_administration"
    )
    if getattr(report, field):
        raise ValidationError(
            {"detail": f"La plainte {Complainant(complainant).label.lower()} est déjà notée."}
        )
    setattr(report, field, True)
    report.save(update_fields=[field, "updated_at"])
    return _event(report, actor, EventKind.COMPLAINT_FILED, on, detail=complainant, note=note)


@transaction.atomic
def incident_protection_request(
    *, report: IncidentReport, actor, on: dt.date, note: str = ""
) -> IncidentEvent:
    """The agent asked for protection fonctionnelle (CGFP L134-1 to L134-12)."""
    report = _lock(report, actor, "request_protection")
    _check_date(report, on)
    report.protection_status = ProtectionStatus.REQUESTED
    report.save(update_fields=["protection_status", "updated_at"])
    return _event(report, actor, EventKind.PROTECTION_REQUESTED, on, note=note)


@transaction.atomic
def incident_protection_decide(
    *, report: IncidentReport, actor, decision: str, on: dt.date, note: str = ""
) -> IncidentEvent:
    """The employer's decision on a pending request; a refusal states its reason (for
    instance a personal fault detachable from the duties)."""
    if decision not in ProtectionDecision.values:
        raise ValidationError({"detail": "Choisissez la décision."})
    if decision == ProtectionDecision.REFUSED and not note.strip():
        raise ValidationError({"note": "Un refus de protection fonctionnelle doit être motivé."})
    report = _lock(report, actor, "decide_protection")
    _check_date(report, on)
    report.protection_status = (
        ProtectionStatus.GRANTED
        if decision == ProtectionDecision.GRANTED
        else ProtectionStatus.REFUSED
    )
    report.save(update_fields=["protection_status", "updated_at"])
    return _event(report, actor, EventKind.PROTECTION_DECIDED, on, detail=decision, note=note)


@transaction.atomic
def incident_prosecutor_report(
    *, report: IncidentReport, actor, on: dt.date, note: str = ""
) -> IncidentEvent:
    """The administration told the public prosecutor (article 40 of the CPP)."""
    report = _lock(report, actor, "report_to_prosecutor")
    _check_date(report, on)
    report.prosecutor_reported_on = on
    report.save(update_fields=["prosecutor_reported_on", "updated_at"])
    return _event(report, actor, EventKind.PROSECUTOR_REPORTED, on, note=note)


@transaction.atomic
def incident_report_close(*, report: IncidentReport, actor, answer: str) -> IncidentEvent:
    """Closure, with the written answer the reporting agent reads on their report."""
    answer = answer.strip()
    if len(answer) < MIN_ANSWER_LENGTH:
        raise ValidationError(
            {
                "answer": f"Écrivez à l'agent une réponse d'au moins {MIN_ANSWER_LENGTH} "
                "caractères : ce qui a été fait et ce qui reste possible."
            }
        )
    report = _lock(report, actor, "close")
    report.status = Status.CLOSED
    report.closed_at = timezone.now()
    report.closed_by = actor
    report.closing_answer = answer
    report.save(update_fields=["status", "closed_at", "closed_by", "closing_answer", "updated_at"])
    return _event(report, actor, EventKind.CLOSED, timezone.localdate())
