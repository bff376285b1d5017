"""Follow-up services: state rules checked on the locked row, dates, audit, timeline."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bonnefoi.core.models import AuditLogEntry
from bonnefoi.incidents import services
from bonnefoi.incidents.models import (
    Complainant,
    EventKind,
    IncidentReport,
    ProtectionDecision,
    ProtectionStatus,
    Status,
    SupportKind,
)

pytestmark = pytest.mark.django_db

ANSWER = "Nous avons reçu l'usager et rappelé les règles ; revenez vers nous au besoin."


def today():
    return timezone.localdate()


@pytest.fixture
def followed(report, people):
    services.incident_report_acknowledge(report=report, actor=people.officer)
    report.refresh_from_db()
    return report


def test_report_creation_writes_the_first_event_and_an_audit_without_narrative(report, people):
    """A new report starts "reported", with a "received" event; the audit entry names the
    reporter and the gravity but never holds the narrative."""
    assert report.status == Status.REPORTED
    assert [e.kind for e in report.events.all()] == [EventKind.REPORTED]
    entry = AuditLogEntry.objects.get(action="incidents.report.created", object_id=str(report.pk))
    assert entry.actor == people.reporter
    assert entry.details["gravity"] == report.gravity
    assert report.narrative not in str(entry.details)


def test_full_follow_up_builds_the_timeline(followed, people):
    """Acknowledgement, support, both complaints, protection requested then granted, article
    40 report, closure: each step is one dated event, the summary fields follow."""
    report, officer, day = followed, people.officer, today()
    services.incident_support_offer(
        report=report, actor=officer, kind=SupportKind.PSYCHOLOGICAL, on=day
    )
    services.incident_complaint_record(
        report=report, actor=officer, complainant=Complainant.AGENT, on=day
    )
    services.incident_complaint_record(
        report=report, actor=officer, complainant=Complainant.ADMINISTRATION, on=day
    )
    services.incident_protection_request(report=report, actor=officer, on=day)
    services.incident_protection_decide(
        report=report, actor=officer, decision=ProtectionDecision.GRANTED, on=day
    )
    services.incident_prosecutor_report(report=report, actor=officer, on=day)
    services.incident_report_close(report=report, actor=officer, answer=ANSWER)
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.closing_answer == ANSWER
    assert report.complaint_by_agent
    assert report.complaint_by_administration
    assert report.protection_status == ProtectionStatus.GRANTED
    assert report.prosecutor_reported_on == day
    assert [e.kind for e in report.events.order_by("pk")] == [
        EventKind.REPORTED,
        EventKind.ACKNOWLEDGED,
        EventKind.SUPPORT_OFFERED,
        EventKind.COMPLAINT_FILED,
        EventKind.COMPLAINT_FILED,
        EventKind.PROTECTION_REQUESTED,
        EventKind.PROTECTION_DECIDED,
        EventKind.PROSECUTOR_REPORTED,
        EventKind.CLOSED,
    ]
    actions = set(
        AuditLogEntry.objects.filter(object_id=str(report.pk)).values_list("action", flat=True)
    )
    assert "incidents.report.closed" in actions
    assert "incidents.report.protection_decided" in actions


@pytest.mark.parametrize(
    ("step", "kwargs"),
    [
        ("incident_support_offer", {"kind": SupportKind.INTERVIEW}),
        ("incident_complaint_record", {"complainant": Complainant.AGENT}),
        ("incident_protection_request", {}),
        ("incident_prosecutor_report", {}),
    ],
)
def test_steps_need_an_acknowledged_report(report, people, step, kwargs):
    """Before the acknowledgement, no other step is possible (French refusal)."""
    with pytest.raises(ValidationError):
        getattr(services, step)(report=report, actor=people.officer, on=today(), **kwargs)


def test_a_stale_copy_cannot_acknowledge_twice(report, people):
    """Two officers open the same report; the second acknowledgement, made from a copy read
    before the first, is refused because the service re-reads the row under lock."""
    stale = IncidentReport.objects.get(pk=report.pk)
    services.incident_report_acknowledge(report=report, actor=people.officer)
    with pytest.raises(ValidationError, match="déjà été pris en compte"):
        services.incident_report_acknowledge(report=stale, actor=people.site_officer)
    assert report.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_a_stale_copy_cannot_close_twice(followed, people):
    """A second closure from a stale copy is refused; the first answer stays."""
    stale = IncidentReport.objects.get(pk=followed.pk)
    services.incident_report_close(report=followed, actor=people.officer, answer=ANSWER)
    with pytest.raises(ValidationError):
        services.incident_report_close(
            report=stale, actor=people.site_officer, answer=ANSWER + " Autre réponse."
        )
    followed.refresh_from_db()
    assert followed.closing_answer == ANSWER


def test_protection_decision_needs_a_pending_request(followed, people):
    """No decision without a request; a refusal must state its reasons."""
    with pytest.raises(ValidationError, match="Aucune demande"):
        services.incident_protection_decide(
            report=followed, actor=people.officer, decision=ProtectionDecision.GRANTED, on=today()
        )
    services.incident_protection_request(report=followed, actor=people.officer, on=today())
    with pytest.raises(ValidationError, match="motivé"):
        services.incident_protection_decide(
            report=followed, actor=people.officer, decision=ProtectionDecision.REFUSED, on=today()
        )
    event = services.incident_protection_decide(
        report=followed,
        actor=people.officer,
        decision=ProtectionDecision.REFUSED,
        on=today(),
        note="Faute personnelle détachable du service établie par l'enquête.",
    )
    assert event.detail_label == "Refusée"
    followed.refresh_from_db()
    assert followed.protection_status == ProtectionStatus.REFUSED


def test_no_closure_while_protection_awaits_a_decision(followed, people):
    """A report cannot be closed while a protection request awaits its decision."""
    services.incident_protection_request(report=followed, actor=people.officer, on=today())
    with pytest.raises(ValidationError, match="en attente de décision"):
        services.incident_report_close(report=followed, actor=people.officer, answer=ANSWER)


def test_same_complaint_is_not_recorded_twice(followed, people):
    """The agent's complaint is noted once."""
    services.incident_complaint_record(
        report=followed, actor=people.officer, complainant=Complainant.AGENT, on=today()
    )
    with pytest.raises(ValidationError, match="déjà notée"):
        services.incident_complaint_record(
            report=followed, actor=people.officer, complainant=Complainant.AGENT, on=today()
        )


@pytest.mark.parametrize(("offset", "message"), [(1, "dans le futur"), (-30, "précède les faits")])
def test_step_dates_lie_between_the_facts_and_today(followed, people, offset, message):
    """A step dated in the future, or before the facts, is refused."""
    with pytest.raises(ValidationError, match=message):
        services.incident_prosecutor_report(
            report=followed, actor=people.officer, on=today() + dt.timedelta(days=offset)
        )


def test_closure_needs_a_real_answer(followed, people):
    """A closing answer of a few characters is refused."""
    with pytest.raises(ValidationError, match="au moins 20"):
        services.incident_report_close(report=followed, actor=people.officer, answer="Vu.")


@pytest.mark.parametrize("who", ["reporter", "other_officer", "administrator", "superuser"])
def test_only_officers_of_the_subtree_follow_up(report, people, who):
    """Reporter, officer of another subtree, administrator, superuser: PermissionDenied."""
    with pytest.raises(PermissionDenied):
        services.incident_report_acknowledge(report=report, actor=getattr(people, who))


def test_report_in_the_future_or_outside_scope_is_refused(world, people):
    """The service refuses facts in the future and a site outside the reporter's scope."""
    base = {
        "reporter": people.reporter,
        "channel": "counter",
        "gravity": "incivility",
        "category": "verbal",
        "narrative": "Insultes.",
        "author_kind": "unknown",
    }
    with pytest.raises(ValidationError, match="futur"):
        services.incident_report_create(
            structure=world.nimes, occurred_at=timezone.now() + dt.timedelta(hours=2), **base
        )
    with pytest.raises(ValidationError, match="site où vous travaillez"):
        services.incident_report_create(structure=world.metz, occurred_at=timezone.now(), **base)
    with pytest.raises(PermissionDenied):
        services.incident_report_create(
            structure=world.nimes,
            occurred_at=timezone.now(),
            **{**base, "reporter": people.no_role},
        )


def test_database_refuses_a_closed_report_without_answer(report):
    """The closed-with-answer rule also holds in the database (check constraint)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentReport.objects.filter(pk=report.pk).update(
            status=Status.CLOSED, acknowledged_at=timezone.now(), closed_at=timezone.now()
        )
