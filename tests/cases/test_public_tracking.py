"""The person's pages opened by the secret tracking link: status in plain French, the public
history only, what the administration asked, the answer form, their documents (downloads
only) and the decision letter; any wrong reference or secret is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from bonnefoi.cases import services
from bonnefoi.cases.attachments import check_upload
from bonnefoi.cases.models import CaseState, EventKind, LetterStatus
from tests.cases.factories import (
    MINIMAL_PDF,
    agent_in,
    case_handled_by,
    decide,
    submit,
    world,
)
from tests.structures.factories import AgentFactory, StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


@pytest.fixture
def agent(w):
    return agent_in(w.gard)


def track_url(case, name: str = "cases:track", *extra) -> str:
    return reverse(name, args=[case.reference, services.tracking_secret(case), *extra])


def test_tracking_page_shows_public_events_only(client, w, agent):
    """Messages and invitations are shown; internal notes and the frequent-error tag are not."""
    case = submit(w.procedure)
    case = services.case_take(case=case, user=agent, expected_version=None)
    services.case_note(case=case, user=agent, body="Note interne : dossier sensible.")
    services.case_tag(case=case, user=agent, entry=None, other_label="Prime oubliée")
    services.case_message(
        case=case, user=agent, body="Nous examinons votre salaire.", expected_version=None
    )
    page = client.get(track_url(case)).content.decode()
    assert "Nous examinons votre salaire." in page
    assert "Note interne" not in page
    assert "dossier sensible" not in page
    assert "Prime oubliée" not in page
    assert str(EventKind.TAGGED.label) not in page
    assert "Un agent examine votre déclaration" in page  # the state in plain French


@pytest.mark.parametrize("wrong", ["secret", "reference", "both"])
def test_a_wrong_link_is_a_404(client, w, wrong):
    """An altered secret, another case's reference or both: 404, on every tracking page."""
    case = submit(w.procedure)
    other = submit(w.procedure)
    secret = services.tracking_secret(case)
    reference = case.reference
    if wrong in ("secret", "both"):
        secret = secret[:-1] + ("1" if secret.endswith("0") else "0")
    if wrong in ("reference", "both"):
        reference = other.reference
    for name in ("cases:track", "cases:submitted", "cases:letter", "cases:letter_pdf"):
        assert client.get(reverse(name, args=[reference, secret])).status_code == 404, name


def test_the_person_answers_an_invitation_with_a_document(
    client, w, agent, django_capture_on_commit_callbacks
):
    """An answer with a message and a PDF puts an awaiting case back « in review », marks the
    invitation answered, and shows both in the history."""
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    services.case_invite(
        case=case,
        user=agent,
        requested="Envoyez votre bulletin.",
        rule="P30D",
        expected_version=None,
    )
    page = client.get(track_url(case)).content.decode()
    assert "Envoyez votre bulletin." in page
    assert "À faire au plus tard le" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            track_url(case),
            {
                "body": "Voici mon bulletin de salaire.",
                "files": [SimpleUploadedFile("bulletin.pdf", MINIMAL_PDF, "application/pdf")],
            },
        )
    assert response.status_code == 302
    assert "reponse=envoyee" in response["Location"]
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert case.invitations.get().answered_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Votre réponse a été envoyée" in page
    assert "Voici mon bulletin de salaire." in page
    assert "bulletin.pdf" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Écrivez un message ou joignez au moins un document."),
        (
            {
                "body": "Texte gardé",
                "files": [SimpleUploadedFile("x.pdf", b"MZ-exe", "application/pdf")],
            },
            "n&#x27;est pas un fichier PDF, JPEG ou PNG",
        ),
    ],
)
def test_a_refused_answer_keeps_the_message(client, w, data, message):
    """An empty answer or a disguised file: 400, French message, the text typed kept."""
    case = submit(w.procedure)
    response = client.post(track_url(case), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    if data["body"]:
        assert data["body"] in page
    assert case.events.count() == 1


def test_a_decided_case_accepts_no_answer(client, w, agent):
    """Once decided, the answer form is gone and a POST is refused (400)."""
    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    decide(case, agent)
    case.refresh_from_db()
    assert 'name="body"' not in client.get(track_url(case)).content.decode()
    response = client.post(track_url(case), {"body": "Encore un mot"})
    assert response.status_code == 400
    assert "n&#x27;accepte plus de réponse" in response.content.decode()


def test_documents_are_downloads_behind_the_secret(client, w):
    """The person's document is served as an attachment, nosniff, not cached; another
    case's link does not open it."""
    case = submit(w.procedure)
    services.case_person_answer(
        case=case,
        body="",
        files=[check_upload(SimpleUploadedFile("relevé.pdf", MINIMAL_PDF, "application/pdf"))],
        limit=10,
    )
    attachment = case.attachments.get()
    response = client.get(track_url(case, "cases:document", attachment.pk))
    assert response.status_code == 200
    assert response.content == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    other = submit(w.procedure)
    assert client.get(track_url(other, "cases:document", attachment.pk)).status_code == 404


def test_letter_is_announced_while_pending_then_offered(client, w, agent):
    """A decided case without its letter says « courrier en préparation »; once rendered,
    the page links to the letter (HTML) and its PDF, served as a download."""
    from bonnefoi.cases.letters import render_letter

    case = services.case_take(case=submit(w.procedure), user=agent, expected_version=None)
    decision = decide(case, agent)
    page = client.get(track_url(case)).content.decode()
    assert "Courrier en préparation" in page
    assert client.get(track_url(case, "cases:letter")).status_code == 404
    render_letter(decision.letter.pk)
    assert decision.letter.__class__.objects.get().status == LetterStatus.READY
    page = client.get(track_url(case)).content.decode()
    assert track_url(case, "cases:letter") in page
    assert track_url(case, "cases:letter_pdf") in page
    letter = client.get(track_url(case, "cases:letter")).content.decode()
    assert case.reference in letter
    assert "bf-letter" in letter
    pdf = client.get(track_url(case, "cases:letter_pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["X-Content-Type-Options"] == "nosniff"


def test_an_anonymous_agent_appears_by_pseudonym(client):
    """An agent under an anonymity exception is shown by pseudonym and service on the
    tracking page and in the letter, never by name; the control agent is named."""
    site = StructureFactory(site=True, name="Accueil de Montreuil")
    hidden = AgentFactory(
        structure=site, first_name="Bérénice", last_name="Quintard", anonymous=True
    )
    case = case_handled_by(hidden)
    for name in ("cases:track", "cases:letter"):
        page = client.get(track_url(case, name)).content.decode()
        assert hidden.pseudonym in page, name
        assert "Bérénice" not in page, name
        assert "Quintard" not in page, name
    named = AgentFactory(
        structure=StructureFactory(site=True), first_name="Aurèle", last_name="Vidal"
    )
    page = client.get(track_url(case_handled_by(named, decided=False))).content.decode()
    assert escape("Aurèle Vidal") in page


def test_confirmation_page_states_rights_and_duties(client, w):
    """The confirmation gives the reference, the tracking link, the receipt, the right to
    error with its limits (sums still due) and the duty to report, citing Légifrance."""
    case = submit(w.procedure)
    page = client.get(track_url(case, "cases:submitted")).content.decode()
    assert case.reference in page
    assert track_url(case) in page
    assert "accusé de réception" in page
    assert "Ce qui était dû reste dû" in page
    assert "Votre devoir de signaler" in page
    assert "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000037309224" in page
    assert "L123-2" in page


def test_a_document_missing_on_disk_is_a_404_not_a_500(client):
    """If a document's file is gone (purged, restored backup), the download says so (404)."""
    from bonnefoi.cases import services
    from tests.cases.factories import submit_with_attachment, world

    case = submit_with_attachment(world().procedure)
    attachment = case.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    response = client.get(
        reverse(
            "cases:document",
            args=[case.reference, services.tracking_secret(case), attachment.pk],
        )
    )
    assert response.status_code == 404
