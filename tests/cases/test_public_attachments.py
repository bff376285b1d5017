"""Documents in the declaration form: checked from their content (a disguised file is refused
whatever its name), limited in size, never empty; several at once; removable before sending;
attached to the case when it is sent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bonnefoi.cases import services
from bonnefoi.cases.models import Attachment, Case
from bonnefoi.cases.views.public import COOKIE
from tests.cases.factories import MINIMAL_PDF, png_bytes
from tests.cases.test_public_form import answers, fill, w  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
PIECES = reverse("cases:step", args=["pieces"])


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


def draft_attachments(client):
    draft = services.draft_for(client.cookies[COOKIE].value, create=False)
    return list(draft.attachments.all()) if draft else []


def test_several_documents_are_checked_kept_and_listed(client):
    """A PDF and a PNG sent together are both kept, listed with their names, and the page
    comes back to the list (« Ajouter ces fichiers »)."""
    response = client.post(
        PIECES,
        {
            "files": [upload("bulletin.pdf", MINIMAL_PDF), upload("photo.png", png_bytes())],
            "action": "upload",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(PIECES)
    kept = draft_attachments(client)
    assert sorted(a.content_type for a in kept) == ["application/pdf", "image/png"]
    page = client.get(PIECES).content.decode()
    assert "bulletin.pdf" in page
    assert "photo.png" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "programme.pdf",
            b"MZ\x90\x00\x03" + b"\x00" * 200,
            "n'est pas un fichier PDF, JPEG ou PNG",
        ),
        ("notes.png", b"Ceci est un simple texte.", "n'est pas un fichier PDF, JPEG ou PNG"),
        ("faux.jpg", MINIMAL_PDF, None),  # a PDF named .jpg is a PDF: accepted as such
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image abîmée"),
        ("vide.pdf", b"", "est vide"),
        ("gros.pdf", MINIMAL_PDF + b" " * 5000, "trop lourd"),
    ],
)
def test_files_are_judged_by_their_content(client, settings, name, content, message):
    """Disguised, broken, empty or oversized files are refused with a French message naming
    them (400) and are not kept; the type kept is the one read from the content."""
    settings.CASE_ATTACHMENT_MAX_BYTES = 4096
    response = client.post(PIECES, {"files": [upload(name, content)], "action": "upload"})
    if message is None:
        assert response.status_code == 302
        assert [a.content_type for a in draft_attachments(client)] == ["application/pdf"]
        return
    assert response.status_code == 400
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert name in page
    assert draft_attachments(client) == []


def test_a_refused_file_does_not_drop_the_good_ones(client):
    """Of two files, the good one is kept and the bad one is named in the error."""
    response = client.post(
        PIECES,
        {"files": [upload("bon.pdf", MINIMAL_PDF), upload("mauvais.pdf", b"texte")]},
    )
    assert response.status_code == 400
    assert "mauvais.pdf" in response.content.decode()
    assert [a.original_name for a in draft_attachments(client)] == ["bon.pdf"]


def test_the_number_of_documents_is_limited(client, settings):
    """Past CASE_ATTACHMENTS_MAX_COUNT, further documents are refused with the limit."""
    settings.CASE_ATTACHMENTS_MAX_COUNT = 1
    client.post(PIECES, {"files": [upload("un.pdf", MINIMAL_PDF)], "action": "upload"})
    response = client.post(PIECES, {"files": [upload("deux.pdf", MINIMAL_PDF)]})
    assert response.status_code == 400
    assert "1 documents au plus par déclaration" in response.content.decode()
    assert len(draft_attachments(client)) == 1


def test_a_document_can_be_removed_before_sending(client):
    """« Retirer » takes the document off the draft and deletes its file."""
    client.post(PIECES, {"files": [upload("un.pdf", MINIMAL_PDF)], "action": "upload"})
    attachment = draft_attachments(client)[0]
    storage, name = attachment.file.storage, attachment.file.name
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(PIECES, {"remove": str(attachment.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith(PIECES)
    assert draft_attachments(client) == []
    assert not storage.exists(name)


def test_someone_elses_document_cannot_be_removed(client):
    """« Retirer » only acts on the draft of the cookie."""
    other = services.draft_for(services.new_secret())
    from bonnefoi.cases.attachments import check_upload

    kept = services.draft_attach(
        draft=other, checked=check_upload(upload("autre.pdf", MINIMAL_PDF)), limit=10
    )
    client.post(PIECES, {"remove": str(kept.pk)})
    assert Attachment.objects.filter(pk=kept.pk).exists()


def test_documents_follow_the_declaration_into_the_case(client, answers):  # noqa: F811
    """Sent, the declaration's documents belong to the case."""
    fill(client, answers, until="pieces")
    client.post(PIECES, {"files": [upload("bulletin.pdf", MINIMAL_PDF)]})
    fill(client, {"contact": answers["contact"]})
    client.post(reverse("cases:step", args=["verifier"]))
    case = Case.objects.get()
    assert [a.original_name for a in case.attachments.all()] == ["bulletin.pdf"]


class CountingUpload(SimpleUploadedFile):
    """An upload that remembers whether the server read it."""

    def read(self, *args, **kwargs):
        self.was_read = True
        return super().read(*args, **kwargs)


def test_files_beyond_the_limit_are_refused_without_being_read(client, settings):
    """With room for two more documents, the third and fourth of a request are refused by
    name and never read (a request cannot make the server hold many files in memory)."""
    from bonnefoi.cases.forms import check_files

    settings.CASE_ATTACHMENTS_MAX_COUNT = 2
    files = [CountingUpload(f"piece{n}.pdf", MINIMAL_PDF, "application/pdf") for n in range(4)]
    accepted, refused = check_files(files, room=2)
    assert [f.original_name for f in accepted] == ["piece0.pdf", "piece1.pdf"]
    assert [getattr(f, "was_read", False) for f in files] == [True, True, False, False]
    assert refused[0].startswith("« piece2.pdf » n'a pas été ajouté")
    response = client.post(
        PIECES,
        {"files": [upload(f"piece{n}.pdf", MINIMAL_PDF) for n in range(4)], "action": "upload"},
    )
    assert response.status_code == 400
    assert len(draft_attachments(client)) == 2


def test_uploads_are_limited_per_address_and_hour(client):
    """Past the hourly budget of uploads from one address, files are refused with a French
    message and nothing more is stored; what was typed is kept."""
    from bonnefoi.cases.views.public import UPLOADS_PER_HOUR

    for n in range(UPLOADS_PER_HOUR):
        client.post(PIECES, {"files": [upload(f"p{n}.pdf", MINIMAL_PDF)], "action": "upload"})
        services.draft_detach(
            draft=services.draft_for(client.cookies[COOKIE].value, create=False),
            attachment_id=draft_attachments(client)[0].pk,
        )
    response = client.post(
        PIECES, {"files": [upload("encore.pdf", MINIMAL_PDF)], "action": "upload"}
    )
    assert response.status_code == 400
    assert (
        "Beaucoup de documents ont été envoyés depuis votre connexion" in response.content.decode()
    )
    assert draft_attachments(client) == []
