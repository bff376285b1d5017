"""Reminders of the next periodic audit: who is told, when, and only once per due date."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.reception.models import AuditReminder
from bonnefoi.reception.services import audit_reminders_send
from bonnefoi.reception.tasks import notify_audit_due
from tests.reception.factories import record_audit

TODAY = timezone.localdate()


@pytest.fixture
def people(tree, member):
    return {
        "quality_gard": member(Role.QUALITY_MANAGER, tree.gard),
        "admin_service": member(Role.ADMINISTRATOR, tree.gard_service),
        "agent_nimes": member(Role.AGENT, tree.nimes),
        "editor_gard": member(Role.EDITOR, tree.gard),
        "national": member(Role.NATIONAL_ADMINISTRATOR, tree.network),
        "quality_moselle": member(Role.QUALITY_MANAGER, tree.moselle),
        "withdrawn": member(Role.QUALITY_MANAGER, tree.gard, is_active=False),
    }


def _audit_days_ago(site, actor, checklist, days):
    return record_audit(
        actor=actor, site=site, checklist=checklist, visited_on=TODAY - dt.timedelta(days=days)
    )


def test_reminder_goes_to_quality_managers_and_administrators_above_the_site(
    tree, people, current, settings, django_capture_on_commit_callbacks
):
    """An audit due within the window is reminded by e-mail, one message per address, to the
    active quality managers and administrators of the site or above it, not to agents, editors,
    national administrators or the other administration."""
    settings.RECEPTION_REMINDER_DAYS_BEFORE = 30
    # Alès and Metz were audited yesterday: not due.
    _audit_days_ago(tree.ales, people["quality_gard"], current, 1)
    _audit_days_ago(tree.metz, people["quality_moselle"], current, 1)
    # Nîmes: audited 12 months minus 10 days ago: due in 10 days.
    visited = TODAY - dt.timedelta(days=355)
    record_audit(
        actor=people["quality_gard"], site=tree.nimes, checklist=current, visited_on=visited
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = audit_reminders_send(today=TODAY)

    due_sites = [site for site, _due, _n in report.sent]
    assert tree.nimes in due_sites
    assert tree.ales not in due_sites
    assert tree.metz not in due_sites
    nimes_mails = [m for m in mail.outbox if "Accueil de Nîmes" in m.subject]
    assert sorted(m.to[0] for m in nimes_mails) == sorted(
        [people["quality_gard"].email, people["admin_service"].email]
    )
    assert all(len(m.to) == 1 for m in nimes_mails)
    assert f"/espace-agent/accueil/sites/{tree.nimes.pk}/" in nimes_mails[0].body
    assert AuditLogEntry.objects.filter(action="reception.audit_reminder.sent").exists()


def test_each_due_date_is_reminded_once(tree, people, current, django_capture_on_commit_callbacks):
    """Running the job again sends nothing new; a new audit moves the due date, which will be
    reminded again when it comes."""
    visited = TODAY - dt.timedelta(days=400)  # overdue
    record_audit(
        actor=people["quality_gard"], site=tree.nimes, checklist=current, visited_on=visited
    )
    with django_capture_on_commit_callbacks(execute=True):
        audit_reminders_send(today=TODAY)
    first = len(mail.outbox)
    assert first >= 2
    with django_capture_on_commit_callbacks(execute=True):
        audit_reminders_send(today=TODAY)
    assert len(mail.outbox) == first
    record_audit(actor=people["quality_gard"], site=tree.nimes, checklist=current)
    later = TODAY + dt.timedelta(days=350)
    report = audit_reminders_send(today=later)
    assert tree.nimes in [site for site, _d, _n in report.sent]
    assert AuditReminder.objects.filter(site=tree.nimes).count() == 2


def test_sites_without_recipient_are_reported_and_retried(tree, current, db):
    """A due site with nobody to tell is reported, not marked as reminded."""
    report = audit_reminders_send(today=TODAY)
    assert tree.nimes in [site for site, _due in report.without_recipient]
    assert not AuditReminder.objects.exists()
    assert mail.outbox == []


def test_dry_run_sends_nothing(tree, people, current):
    """--dry-run lists what would be sent and writes nothing."""
    report = audit_reminders_send(today=TODAY, dry_run=True)
    assert report.sent
    assert mail.outbox == []
    assert not AuditReminder.objects.exists()


def test_command(tree, people, current, capsys, django_capture_on_commit_callbacks):
    """The daily command prints each reminder and queues the e-mails; a bad date is refused."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reception_audit_reminders", "--date", TODAY.isoformat())
    out = capsys.readouterr()
    assert {m.to[0] for m in mail.outbox} >= {people["quality_gard"].email}
    assert "rappel envoyé : Accueil de Nîmes" in out.out
    assert "sans destinataire : Accueil de Montreuil" in out.err
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("reception_audit_reminders", "--date", "31/12/2026")


def test_task_takes_ids_and_reads_recipients_when_it_runs(tree, people):
    """The task is given ids only; recipients are read when it runs."""
    sent = notify_audit_due.call(tree.ales.pk, "2026-03-01")
    assert sent == 2
    assert "01/03/2026" in mail.outbox[0].body
