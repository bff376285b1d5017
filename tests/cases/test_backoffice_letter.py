"""The decision letter in the back office (status on the case page, HTML read, PDF download,
retry of a failed layout) and the search that replaced the list of every structure in the
redirect form."""

import re
from html import unescape
from unittest.mock import patch

import pytest
from django.db import connection
from django.urls import reverse

from bonnefoi.accounts.models import Role
from bonnefoi.cases import letters
from bonnefoi.cases.agent_forms import REDIRECT_SEARCH_LIMIT
from bonnefoi.cases.models import Case, CaseState, Letter, LetterStatus
from bonnefoi.core.models import AuditLogEntry
from tests.cases.factories import agent_in, decide, in_review, world
from tests.structures.factories import AgentFactory, StructureFactory

pytestmark = pytest.mark.django_db


def case_url(case, name="case"):
    return reverse(f"cases_backoffice:{name}", kwargs={"reference": case.reference})


@pytest.fixture
def w():
    return world()


@pytest.fixture
def agent(w):
    return AgentFactory(
        structure=w.gard,
        first_name="Anatole",
        last_name="Vergnaud",
        position="Gestionnaire conseil",
    ).user


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def decided_case(w, agent, status: str = LetterStatus.PENDING) -> Case:
    """A case decided by `agent` whose letter is pending (the task has not run), rendered for
    real (ready), or failed in the renderer (failed)."""
    case = in_review(w.procedure, agent)
    decision = decide(case, agent)
    letter = decision.letter
    if status == LetterStatus.READY:
        letters.render_letter(letter.pk)
    elif status == LetterStatus.FAILED:
        with patch.object(letters, "render_pdf", side_effect=OSError("police DejaVu introuvable")):
            letters.render_letter(letter.pk)
    letter.refresh_from_db()
    assert letter.status == status
    case.refresh_from_db()
    return case


def letter_views(case) -> list[AuditLogEntry]:
    return list(
        AuditLogEntry.objects.filter(
            action="case.view",
            object_id=str(case.pk),
            details__page__in=["letter", "letter_pdf"],
        ).order_by("pk")
    )


# --- the letter section of the case page ----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        (
            LetterStatus.PENDING,
            ["En préparation", "en cours de mise en forme"],
            ["Lire le courrier", "Relancer la mise en forme"],
        ),
        (
            LetterStatus.READY,
            ["Disponible", "Lire le courrier", "Télécharger le courrier (PDF)", "Vergnaud"],
            ["Relancer la mise en forme", "En préparation"],
        ),
        (
            LetterStatus.FAILED,
            [
                "Échec de la mise en forme",
                "OSError: police DejaVu introuvable",
                "Relancer la mise en forme",
            ],
            ["Lire le courrier"],
        ),
    ],
)
def test_case_page_shows_the_letter_status(w, agent, agent_client, status, shown, hidden):
    """A decided case's page has a "Courrier de décision" section stating the letter's status:
    links to read and download it once ready, the stored error and a retry button on failure."""
    case = decided_case(w, agent, status)
    html = agent_client.get(case_url(case)).content.decode()
    assert "Courrier de décision" in html
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_undecided_case_has_no_letter_section(w, agent, agent_client):
    """Before a decision the case page says nothing about a letter."""
    case = in_review(w.procedure, agent)
    assert "Courrier de décision" not in agent_client.get(case_url(case)).content.decode()


# --- reading the letter -------------------------------------------------------------------


def test_letter_html_is_shown_in_the_back_office_and_audited(w, agent, agent_client):
    """The letter as sent is shown inside the back office's page, not cached, and the reading
    is written to the audit log (page "letter")."""
    case = decided_case(w, agent, LetterStatus.READY)
    response = agent_client.get(case_url(case, "letter"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Courrier de décision — dossier {case.reference}" in html
    assert letters.letter_html(Letter.objects.get(decision__case=case)) in html
    assert case_url(case, "letter_pdf") in html
    assert "fr-header" in html  # the site's layout around the letter
    assert "no-store" in response["Cache-Control"]
    [entry] = letter_views(case)
    assert entry.details == {"page": "letter"}
    assert entry.actor == agent


def test_letter_pdf_is_a_private_download_and_audited(w, agent, agent_client):
    """The PDF is sent as an attachment, with nosniff and private, no-store caching; the
    download is audited (page "letter_pdf")."""
    case = decided_case(w, agent, LetterStatus.READY)
    response = agent_client.get(case_url(case, "letter_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="decision-{case.reference}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert [e.details["page"] for e in letter_views(case)] == ["letter_pdf"]


@pytest.mark.parametrize("status", [LetterStatus.PENDING, LetterStatus.FAILED])
@pytest.mark.parametrize("name", ["letter", "letter_pdf"])
def test_letter_not_ready_is_not_found_and_not_audited(w, agent, agent_client, status, name):
    """While the letter is not ready there is nothing to read: 404, no audit line."""
    case = decided_case(w, agent, status)
    assert agent_client.get(case_url(case, name)).status_code == 404
    assert letter_views(case) == []


def test_quality_manager_reads_the_letter_without_retry(w, agent, client):
    """A quality manager (may view, not process) reads the letter; on a failed letter the
    retry button is not offered and a posted retry is refused (403), the letter unchanged."""
    ready = decided_case(w, agent, LetterStatus.READY)
    failed = decided_case(w, agent, LetterStatus.FAILED)
    client.force_login(agent_in(w.gard, Role.QUALITY_MANAGER))
    assert client.get(case_url(ready, "letter")).status_code == 200
    assert client.get(case_url(ready, "letter_pdf")).status_code == 200
    page = client.get(case_url(failed)).content.decode()
    assert "Échec de la mise en forme" in page
    assert "Relancer la mise en forme" not in page
    response = client.post(case_url(failed, "letter_retry"))
    assert response.status_code == 403
    assert "relancer la mise en forme" in response.content.decode()
    assert Letter.objects.get(decision__case=failed).status == LetterStatus.FAILED


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "letter"), ("get", "letter_pdf"), ("post", "letter_retry")],
)
def test_letter_outside_the_subtree_is_not_found(w, agent, client, method, name):
    """An agent of the Moselle learns nothing of a Gard case's letter: 404 for each route."""
    case = decided_case(
        w, agent, LetterStatus.FAILED if name == "letter_retry" else LetterStatus.READY
    )
    client.force_login(agent_in(w.moselle))
    assert getattr(client, method)(case_url(case, name)).status_code == 404
    assert letter_views(case) == []
    assert not AuditLogEntry.objects.filter(action="case.letter_retry").exists()


# --- retry ------------------------------------------------------------------------------------


def test_retry_puts_a_failed_letter_back_and_renders_it(
    w, agent, agent_client, django_capture_on_commit_callbacks
):
    """The retry clears the error, is audited, and enqueues the rendering: once committed the
    task lays the letter out (ready) and the agent is back on the case page."""
    case = decided_case(w, agent, LetterStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = agent_client.post(case_url(case, "letter_retry"))
    assert response.status_code == 302
    assert response["Location"] == case_url(case) + "#courrier"
    letter = Letter.objects.get(decision__case=case)
    assert (letter.status, letter.error) == (LetterStatus.PENDING, "")
    assert AuditLogEntry.objects.filter(
        action="case.letter_retry", actor=agent, object_id=str(case.pk)
    ).exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (immediate backend in tests)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY
    page = agent_client.get(case_url(case)).content.decode()
    assert "La mise en forme du courrier est relancée" in page


@pytest.mark.parametrize("status", [LetterStatus.PENDING, LetterStatus.READY])
def test_retry_of_a_letter_not_failed_changes_nothing(w, agent, agent_client, status):
    """Retrying a pending or ready letter records nothing and says why."""
    case = decided_case(w, agent, status)
    response = agent_client.post(case_url(case, "letter_retry"), follow=True)
    assert "rien à relancer" in response.content.decode()
    assert Letter.objects.get(decision__case=case).status == status
    assert not AuditLogEntry.objects.filter(action="case.letter_retry").exists()


def test_retry_is_a_post(w, agent, agent_client):
    """A link or a prefetch cannot retry: GET is refused (405)."""
    case = decided_case(w, agent, LetterStatus.FAILED)
    assert agent_client.get(case_url(case, "letter_retry")).status_code == 405
    assert Letter.objects.get(decision__case=case).status == LetterStatus.FAILED


# --- redirect search --------------------------------------------------------------------------


def search(client, case, q, **extra):
    return client.post(
        case_url(case, "redirect"),
        {"action": "search", "version": case.version, "q": q, "reason": "", **extra},
    )


def offered(response) -> list[str]:
    """Labels of the structures offered as radio buttons in the redirect form."""
    return [label for _value, label in response.context["forms"]["redirect"].fields["to"].choices]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Moselle", ["CAF de la Moselle — 57000 Metz (Caisses d'allocations familiales)"]),
        ("moselle", ["CAF de la Moselle — 57000 Metz (Caisses d'allocations familiales)"]),
        ("57", ["CAF de la Moselle — 57000 Metz (Caisses d'allocations familiales)"]),
        ("CAF 57000", ["CAF de la Moselle — 57000 Metz (Caisses d'allocations familiales)"]),
        ("CAF Gard", []),  # the structure in charge is never offered
        ("Caisses", []),  # a network is not a destination
        ("Bretagne", []),
    ],
)
def test_redirect_search_by_name_and_postal_code(w, agent, agent_client, query, expected):
    """The search matches every word against the name, the start of the postal code or of the
    Services Publics+ code, among administrations and services other than the one in charge;
    it records nothing."""
    case = in_review(w.procedure, agent)
    response = search(agent_client, case, query)
    assert response.status_code == 200
    assert offered(response) == expected
    if not expected:
        assert "ne correspond à" in response.content.decode()
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.structure_id, fresh.version) == (w.gard.pk, case.version)


def test_redirect_search_by_services_publics_code(w, agent, agent_client):
    """A Services Publics+ code finds its structure."""
    service = StructureFactory(
        kind="service", parent=w.moselle, name="Antenne de Thionville", sp_code="SP-57-THI-01"
    )
    case = in_review(w.procedure, agent)
    response = search(agent_client, case, "sp-57-thi")
    assert [label.split(" — ")[0] for label in offered(response)] == [service.name]


def test_redirect_search_ignores_accents_on_postgresql(w, agent, agent_client):
    """On PostgreSQL (production) the name is compared without accents nor case."""
    if connection.vendor != "postgresql":
        pytest.skip("accents are compared as typed on SQLite")
    StructureFactory(kind="service", parent=w.moselle, name="Trésorerie de Forbach")
    case = in_review(w.procedure, agent)
    response = search(agent_client, case, "TRESORERIE forbach")
    assert [label.split(" — ")[0] for label in offered(response)] == ["Trésorerie de Forbach"]


def test_redirect_search_is_limited_and_ordered_by_name(w, agent, agent_client):
    """At most REDIRECT_SEARCH_LIMIT structures, by name, and the agent is told to refine."""
    for number in range(REDIRECT_SEARCH_LIMIT + 5, 0, -1):
        StructureFactory(kind="service", parent=w.moselle, name=f"Trésorerie {number:02d}")
    case = in_review(w.procedure, agent)
    response = search(agent_client, case, "Trésorerie")
    names = [label.split(" — ")[0] for label in offered(response)]
    assert names == [f"Trésorerie {n:02d}" for n in range(1, REDIRECT_SEARCH_LIMIT + 1)]
    assert "premiers résultats sont affichés" in response.content.decode()


def test_redirect_search_keeps_what_the_agent_typed(w, agent, agent_client):
    """The search round trip gives back the reason, the query and the case version the agent
    saw (a colleague's change since is still detected on submission)."""
    case = in_review(w.procedure, agent)
    response = search(
        agent_client, case, "Moselle", reason="La personne habite désormais à Metz.", version=1
    )
    html = response.content.decode()
    assert "La personne habite désormais à Metz.</textarea>" in html
    assert 'value="Moselle"' in html
    assert response.context["forms"]["redirect"]["version"].value() == 1


def test_redirect_after_search_hands_the_case_over(w, agent, agent_client):
    """Picking a structure found by the search with a reason redirects the case (POST: a
    structure id and a reason)."""
    case = in_review(w.procedure, agent)
    response = agent_client.post(
        case_url(case, "redirect"),
        {
            "action": "send",
            "version": case.version,
            "q": "Moselle",
            "to": w.moselle.pk,
            "reason": "Domicile en Moselle.",
        },
    )
    assert response.status_code == 302
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.structure_id, fresh.state) == (w.moselle.pk, CaseState.SUBMITTED)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing", "Cette structure n'existe pas"),
        ("network", "Transmettez à une administration ou à un service"),
        ("self", "Choisissez une autre structure que celle en charge."),
        ("none", "Cherchez puis choisissez la structure"),
    ],
)
def test_redirect_refuses_an_invalid_choice_in_french(w, agent, agent_client, target, message):
    """A structure that does not exist, a network, the structure in charge or no choice at all
    is refused (400) with a French message; the reason typed is kept."""
    case = in_review(w.procedure, agent)
    to = {"missing": 999_999, "network": w.network.pk, "self": w.gard.pk, "none": ""}[target]
    response = agent_client.post(
        case_url(case, "redirect"),
        {"action": "send", "version": case.version, "to": to, "reason": "Mauvaise caisse."},
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert message in html
    assert "Mauvaise caisse.</textarea>" in html
    assert Case.objects.get(pk=case.pk).structure_id == w.gard.pk


def test_refused_redirect_keeps_the_structure_picked(w, agent, agent_client):
    """A structure picked from an earlier search stays offered and checked when the form comes
    back with an error (here: the reason missing)."""
    case = in_review(w.procedure, agent)
    response = agent_client.post(
        case_url(case, "redirect"),
        {"action": "send", "version": case.version, "q": "", "to": w.moselle.pk, "reason": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Motif de la transmission" in html
    assert re.search(rf'name="to"\s+value="{w.moselle.pk}"\s+checked', html)


def test_redirect_search_needs_the_right_to_process(w, agent, client):
    """A quality manager may not search destinations for a case (403); outside the subtree the
    case is not found (404)."""
    case = in_review(w.procedure, agent)
    client.force_login(agent_in(w.gard, Role.QUALITY_MANAGER))
    assert search(client, case, "Moselle").status_code == 403
    client.force_login(agent_in(w.moselle))
    assert search(client, case, "Moselle").status_code == 404
