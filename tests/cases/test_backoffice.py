"""The agents' back office of correction cases: queue, case page, actions, documents, audit."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.cases import services
from bonnefoi.cases.models import Case, CaseEvent, CaseState, EventKind, Invitation
from bonnefoi.core.models import AuditLogEntry
from tests.advice.factories import EntryFactory, publish_entry
from tests.cases.factories import (
    MINIMAL_PDF,
    agent_in,
    in_review,
    submit,
    submit_with_attachment,
    world,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases_backoffice:queue")


def case_url(case, name="case", **kwargs):
    return reverse(f"cases_backoffice:{name}", kwargs={"reference": case.reference, **kwargs})


@pytest.fixture
def w():
    return world()


@pytest.fixture
def agent(w):
    return agent_in(w.gard)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


# --- queue ---------------------------------------------------------------------------------


def test_queue_lists_open_cases_of_the_subtree_oldest_first(w, agent_client):
    """The queue shows the Gard's open cases, oldest first; Moselle's and closed ones are not
    shown; counts per state are given."""
    first = submit(w.procedure)
    second = submit(w.procedure)
    Case.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    moselle = submit(w.procedure, postal_code="57000")
    response = agent_client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(second.reference) < html.index(first.reference)
    assert moselle.reference not in html
    assert "Déposé : 2" in html


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"etat": "in_review"}, "taken", "fresh"),
        ({"q": "prime oubliée"}, "fresh", "other_text"),
        ({"en_retard": "on"}, "old", "fresh"),
    ],
)
def test_queue_filters(w, agent, agent_client, params, shown, hidden):
    """Filters by state, by text of the declaration, and overdue only."""
    cases = {
        "fresh": submit(w.procedure),
        "taken": in_review(w.procedure, agent, correct_value="Une autre valeur."),
        "other_text": submit(w.procedure, correct_value="Mon adresse a changé."),
        "old": submit(w.procedure, correct_value="Ancienne déclaration."),
    }
    Case.objects.filter(pk=cases["old"].pk).update(submitted_at=timezone.now() - timedelta(days=45))
    html = agent_client.get(QUEUE, params).content.decode()
    assert cases[shown].reference in html
    assert cases[hidden].reference not in html


def test_queue_search_by_reference_and_structure_filter(w, agent_client):
    """A reference finds its case; choosing a structure of the subtree narrows the queue; a
    structure outside the subtree is refused (400), not silently ignored."""
    case, other = submit(w.procedure), submit(w.procedure)
    html = agent_client.get(QUEUE, {"q": case.reference}).content.decode()
    assert case.reference in html
    assert other.reference not in html
    assert agent_client.get(QUEUE, {"structure": w.gard.pk}).status_code == 200
    refused = agent_client.get(QUEUE, {"structure": w.moselle.pk})
    assert refused.status_code == 400
    assert "Sélectionnez un choix valide" in refused.content.decode()


def test_overdue_case_is_marked_with_text_not_colour_alone(w, agent_client):
    """An old open case carries a "En retard" badge (text), a recent one does not."""
    old = submit(w.procedure)
    when = timezone.now() - timedelta(days=40)
    Case.objects.filter(pk=old.pk).update(submitted_at=when)
    html = agent_client.get(QUEUE).content.decode()
    assert html.count("En retard</span>") == 1
    # Days between local dates (39 to 41 around midnight and daylight-saving changes).
    age = (timezone.localdate() - timezone.localdate(when)).days
    assert f"il y a {age} jours" in html


def test_queue_paginates(w, agent_client, settings):
    """More cases than a page holds are split with links that keep the filters."""
    for _ in range(27):
        submit(w.procedure)
    response = agent_client.get(QUEUE, {"etat": "submitted"})
    assert response.context["page"].paginator.num_pages == 2
    assert "etat=submitted&amp;page=2" in response.content.decode()


def test_editor_gets_a_french_403_on_the_queue(w, client):
    """An editor (content role) has no access to cases."""
    client.force_login(agent_in(w.gard, Role.EDITOR))
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert "aucun de ces rôles" in response.content.decode()


# --- case page -------------------------------------------------------------------------------


def test_case_page_shows_declaration_history_and_is_audited(w, agent, agent_client):
    """The page shows the declaration, the history with internal notes marked, and each view
    is written to the audit log."""
    case = in_review(w.procedure, agent)
    services.case_note(case=case, user=agent, body="Appeler la personne mardi.")
    response = agent_client.get(case_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "prime oubliée" in html
    assert "Appeler la personne mardi." in html
    assert "Interne</span>" in html
    assert AuditLogEntry.objects.filter(
        action="case.view", object_id=str(case.pk), actor=agent
    ).exists()


def test_audit_trail_only_for_audit_viewers(w, agent, agent_client, client):
    """The audit trail of the case is shown to administrators (audit.view), not to agents."""
    case = submit(w.procedure)
    assert "Journal d'audit du dossier" not in agent_client.get(case_url(case)).content.decode()
    admin = agent_in(w.gard, Role.ADMINISTRATOR)
    client.force_login(admin)
    html = client.get(case_url(case)).content.decode()
    assert "Journal d'audit du dossier" in html
    assert "Consultation du dossier" in html


def test_attachment_download_is_checked_audited_and_never_inline(w, agent, agent_client, client):
    """An agent of the subtree downloads the document as an attachment with nosniff (audited);
    an agent of another structure gets a 404."""
    case = submit_with_attachment(w.procedure, name="bulletin de paie.pdf")
    attachment = case.attachments.get()
    url = case_url(case, "attachment", pk=attachment.pk)
    response = agent_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bulletin de paie.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert AuditLogEntry.objects.filter(action="case.attachment_download", actor=agent).exists()
    client.force_login(agent_in(w.moselle))
    assert client.get(url).status_code == 404
    other = submit(w.procedure)
    assert agent_client.get(case_url(other, "attachment", pk=attachment.pk)).status_code == 404


# --- actions ---------------------------------------------------------------------------------


def test_take_then_message_through_the_forms(
    w, agent, agent_client, django_capture_on_commit_callbacks
):
    """Taking and writing go through the services; the person is e-mailed."""
    case = submit(w.procedure)
    response = agent_client.post(case_url(case, "take"), {"version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            case_url(case, "message"),
            {"version": case.version, "body": "Pouvez-vous préciser le mois ?"},
        )
    assert response.status_code == 302
    assert CaseEvent.objects.filter(kind=EventKind.MESSAGE_TO_PERSON).exists()
    assert any(case.reference in m.subject for m in mail.outbox)


def test_empty_message_is_refused_and_the_page_keeps_the_other_forms(w, agent, agent_client):
    """An empty message is refused in French (400) without leaving the case page; the page
    shown again is a view of the case, audited like any other."""
    case = in_review(w.procedure, agent)
    response = agent_client.post(case_url(case, "message"), {"version": case.version, "body": ""})
    assert response.status_code == 400
    assert AuditLogEntry.objects.filter(action="case.view", object_id=str(case.pk)).count() == 1
    html = response.content.decode()
    assert "Message non envoyé" in html
    assert "Préparer la décision" in html


def test_conflict_keeps_what_was_typed_and_shows_the_current_state(w, agent, agent_client):
    """A message sent from a stale page is refused with the French conflict message; what the
    agent typed comes back, the current state is shown, and the form now carries the current
    version."""
    case = submit(w.procedure)
    stale = case.version
    services.case_take(case=case, user=agent_in(w.gard), expected_version=stale)
    response = agent_client.post(
        case_url(case, "message"), {"version": stale, "body": "Texte soigneusement rédigé."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "modifié par quelqu&#x27;un d&#x27;autre" in html
    assert "« En cours d&#x27;examen »" in html
    assert "Texte soigneusement rédigé." in html
    case.refresh_from_db()
    assert response.context["forms"]["message"]["version"].value() == str(case.version)
    assert not CaseEvent.objects.filter(kind=EventKind.MESSAGE_TO_PERSON).exists()


def test_invitation_preview_then_send(w, agent, agent_client, monkeypatch):
    """ "Voir la date limite" shows the calendar's deadline and sends nothing; sending creates
    the invitation with that deadline."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: date(2026, 4, 10))
    case = in_review(w.procedure, agent)
    data = {"version": case.version, "requested": "Envoyez le bulletin.", "rule": "P30D"}
    preview = agent_client.post(case_url(case, "invite"), {**data, "action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "lundi 11 mai 2026" in html
    assert "Envoyez le bulletin." in html
    assert not Invitation.objects.exists()
    sent = agent_client.post(case_url(case, "invite"), {**data, "action": "send"})
    assert sent.status_code == 302
    assert Invitation.objects.get().deadline == date(2026, 5, 11)


def test_invitation_rule_defaults_to_the_setting(w, agent, agent_client, settings):
    """The deadline offered first is CASE_INVITATION_DEFAULT_RULE; others are refused."""
    settings.CASE_INVITATION_DEFAULT_RULE = "P1M"
    case = in_review(w.procedure, agent)
    form = agent_client.get(case_url(case)).context["forms"]["invite"]
    assert form["rule"].value() == "P1M"
    refused = agent_client.post(
        case_url(case, "invite"),
        {"version": case.version, "requested": "x", "rule": "P3M", "action": "send"},
    )
    assert refused.status_code == 400


def test_tag_with_a_published_entry_or_other(w, agent, agent_client):
    """The case is tagged with a published entry of its procedure, or "autre" + a label; an
    empty label with "autre" is refused."""
    entry = publish_entry(EntryFactory(title="J'oublie une prime"), procedures=[w.procedure])
    case = in_review(w.procedure, agent)
    page = agent_client.get(case_url(case)).content.decode()
    assert "J&#x27;oublie une prime" in page
    response = agent_client.post(
        case_url(case, "tag"), {"version": case.version, "entry": str(entry.pk)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.entry == entry
    refused = agent_client.post(case_url(case, "tag"), {"version": case.version, "entry": "autre"})
    assert refused.status_code == 400
    agent_client.post(
        case_url(case, "tag"),
        {"version": case.version, "entry": "autre", "other_label": "Erreur de RIB"},
    )
    case.refresh_from_db()
    assert case.entry is None
    assert case.other_error_label == "Erreur de RIB"


def test_redirect_needs_a_reason_and_leaves_the_queue(w, agent, agent_client):
    """Redirecting requires a reason; done, the case leaves the agent's reach and the agent
    lands on the queue."""
    case = in_review(w.procedure, agent)
    refused = agent_client.post(
        case_url(case, "redirect"), {"version": case.version, "to": w.moselle.pk, "reason": ""}
    )
    assert refused.status_code == 400
    response = agent_client.post(
        case_url(case, "redirect"),
        {"version": case.version, "to": w.moselle.pk, "reason": "Domicile en Moselle."},
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert agent_client.get(case_url(case)).status_code == 404


def test_note_does_not_conflict(w, agent, agent_client):
    """Internal notes commute: a note from a stale page is still recorded."""
    case = submit(w.procedure)
    stale = case.version
    services.case_take(case=case, user=agent_in(w.gard), expected_version=stale)
    response = agent_client.post(case_url(case, "note"), {"version": stale, "body": "À revoir."})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(kind=EventKind.INTERNAL_NOTE, body="À revoir.").exists()


def test_quality_manager_reads_but_cannot_act(w, client):
    """A quality manager sees the case and no action form; a posted action is a 403."""
    case = submit(w.procedure)
    client.force_login(agent_in(w.gard, Role.QUALITY_MANAGER))
    page = client.get(case_url(case))
    assert page.status_code == 200
    assert page.context["forms"] == {}
    assert "pas de le traiter" in page.content.decode()
    assert client.post(case_url(case, "take"), {"version": case.version}).status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
