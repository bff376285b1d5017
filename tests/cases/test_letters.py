"""The decision letter: rendered in the background once the agent decides, kept as HTML and as a
tagged PDF (PDF/UA-1), signed per the identification rules, and announced to the person."""

import io
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.http import Http404
from django.utils.formats import date_format
from pypdf import PdfReader

from bonnefoi.cases import letters
from bonnefoi.cases.models import CaseEvent, EventKind, Letter, LetterStatus
from tests.cases.factories import decide, in_review, world
from tests.structures.factories import AgentFactory, AnonymityExceptionFactory

pytestmark = pytest.mark.django_db


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
    )


def decided(w, agent, capture, outcome="granted", **fields) -> Letter:
    """Decide a case (callbacks run as after a commit: the letter task runs) and return the letter."""
    case = in_review(w.procedure, agent.user)
    with capture(execute=True):
        decision = decide(case, agent.user, outcome, **fields)
    return Letter.objects.select_related("decision__case").get(decision=decision)


def pdf_reader(letter: Letter) -> PdfReader:
    with letter.pdf.open("rb") as stream:
        return PdfReader(io.BytesIO(stream.read()))


def pdf_text(letter: Letter) -> str:
    return " ".join(page.extract_text() for page in pdf_reader(letter).pages)


def test_deciding_renders_the_letter_and_tells_the_person(
    w, agent, django_capture_on_commit_callbacks
):
    """Once decided, the letter is ready (HTML, PDF, signature kept), a LETTER_READY event is in
    the history and the person receives an e-mail pointing to the tracking page."""
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    case = letter.decision.case
    assert letter.status == LetterStatus.READY
    assert letter.rendered_at is not None
    assert letter.pdf.name.endswith(".pdf")
    assert case.reference not in letter.pdf.name, "stored under a random name"
    assert letter.signature["lines"] == [
        "Anatole Vergnaud",
        "Gestionnaire conseil",
        "CAF du Gard",
    ]
    assert not letter.signature["is_pseudonymous"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LETTER_READY).count() == 1
    subjects = [message.subject for message in mail.outbox]
    assert f"Dossier {case.reference} : la décision est disponible" in subjects


def test_the_pdf_is_tagged_pdf_ua_in_french(w, agent, django_capture_on_commit_callbacks):
    """PDF/UA-1: a structure tree, MarkInfo Marked true, the PDF/UA identification in the XMP
    metadata, the document language and a title shown in the window."""
    reader = pdf_reader(decided(w, agent, django_capture_on_commit_callbacks))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]).lower().startswith("fr")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp
    assert ">1<" in xmp.split("pdfuaid:part", 1)[1][:40] or 'pdfuaid:part="1"' in xmp
    assert "Décision sur votre déclaration" in (reader.metadata.title or "")


def test_the_pdf_text_holds_the_signature_and_the_reference(
    w, agent, django_capture_on_commit_callbacks
):
    """The laid-out text carries the signature (first name, name, position, service) and the case
    reference."""
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    text = pdf_text(letter)
    for expected in ("Anatole Vergnaud", "Gestionnaire conseil", "CAF du Gard"):
        assert expected in text
    assert letter.decision.case.reference in text


def test_an_agent_under_an_anonymity_exception_signs_with_a_pseudonym(
    w, django_capture_on_commit_callbacks
):
    """CRPA L111-2: an exception in force on the decision date puts pseudonym + service in the
    HTML, the PDF and the stored signature; the name and the position appear nowhere."""
    agent = AgentFactory(
        structure=w.gard, first_name="Bérénice", last_name="Quintard", position="Cheffe de pôle"
    )
    AnonymityExceptionFactory(agent=agent)
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    text = pdf_text(letter)
    for document in (letter.html, text, str(letter.signature)):
        assert agent.pseudonym in document
        assert "CAF du Gard" in document
        for hidden in ("Bérénice", "Quintard", "Cheffe de pôle"):
            assert hidden not in document
    assert "L111-2" in letter.html
    assert letter.signature["is_pseudonymous"]


def test_an_exception_not_yet_in_force_does_not_hide_the_name(
    w, django_capture_on_commit_callbacks
):
    """Only an exception in force on the decision date applies: one starting tomorrow does not."""
    agent = AgentFactory(structure=w.gard, first_name="Bérénice", last_name="Quintard")
    AnonymityExceptionFactory(agent=agent, future=True)
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    assert "Bérénice Quintard" in letter.html


@pytest.mark.parametrize(
    ("outcome", "fields", "expected"),
    [
        (
            "granted",
            {"sanction_amount_eur": Decimal("250.00"), "sums_due_eur": Decimal("1320.50")},
            [
                "Le droit à l'erreur s'applique à votre situation.",
                "Aucune sanction ne vous est appliquée",
                "Sanction envisagée",
                "Sommes restant dues",
                "1\xa0320,50 €",
                "0,00 €",
                "demandez-lui un échéancier",
            ],
        ),
        (
            "not_applicable",
            {"motivation": "La même règle avait déjà été méconnue l'an dernier."},
            [
                "Le droit à l'erreur ne s'applique pas à votre situation.",
                "La même règle avait déjà été méconnue l'an dernier.",
                "faire part de vos observations",
            ],
        ),
        (
            "bad_faith",
            {},
            [
                "votre mauvaise foi est établie",
                "Les éléments de preuve retenus",
                "Trois déclarations successives omettant le même salaire.",
            ],
        ),
        (
            "fraud",
            {},
            ["une fraude est établie", "Trois déclarations successives omettant le même salaire."],
        ),
    ],
)
def test_the_letter_states_the_decision_and_its_grounds(
    w, agent, django_capture_on_commit_callbacks, outcome, fields, expected
):
    """Each outcome has its wording: amounts waived and still due when granted, the reasons when
    not applicable, the evidence when bad faith or fraud is established."""
    letter = decided(w, agent, django_capture_on_commit_callbacks, outcome, **fields)
    html = unescape(letter.html)
    for text in expected:
        assert text in html, text
    if outcome == "granted":
        assert "Les éléments de preuve retenus" not in html


def test_the_letter_cites_articles_remedies_and_dates(w, agent, django_capture_on_commit_callbacks):
    """Articles come from the engine's answer (code, article, version date, Légifrance link);
    remedies cite CRPA L411-2 and CJA R421-1 with their links; the case's dates are there."""
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    html = letter.html
    for article in letter.decision.engine["articles"]:
        assert f"article {article['article']}" in html
        assert article["url"] in html
        if article["version_date"]:
            version = date.fromisoformat(article["version_date"])
            assert date_format(version, "j F Y") in html
    for remedy in letters.REMEDIES:
        assert remedy["url"] in html
    assert "Recours gracieux" in html
    assert "tribunal administratif" in html
    assert "deux mois" in html
    assert "commission de recours amiable" in html, "CAF procedure: sector note"
    assert letter.decision.case.reference in html


def test_a_failed_rendering_is_recorded_and_can_be_retried(
    w, agent, django_capture_on_commit_callbacks, monkeypatch
):
    """A rendering error leaves the letter failed with the error, tells nobody; a retry renders
    it and only then is the person told."""

    def broken(*args, **kwargs):
        raise OSError("police introuvable")

    monkeypatch.setattr(letters, "render_pdf", broken)
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    assert letter.status == LetterStatus.FAILED
    assert "police introuvable" in letter.error
    assert not letter.pdf
    assert not CaseEvent.objects.filter(kind=EventKind.LETTER_READY).exists()
    assert letters.letter_html(letter) == ""

    monkeypatch.undo()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_retry(letter)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY
    assert letter.error == ""
    assert len(mail.outbox) == 1


def test_rendering_twice_keeps_one_letter_and_one_notice(
    w, agent, django_capture_on_commit_callbacks
):
    """The task may run twice (retry of the queue): a ready letter is left as it was."""
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    first_pdf = letter.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        again = letters.render_letter(letter.pk)
    assert again.pdf.name == first_pdf
    assert CaseEvent.objects.filter(kind=EventKind.LETTER_READY).count() == 1


def test_letter_ready_does_not_change_the_case_version(
    w, agent, django_capture_on_commit_callbacks
):
    """The agent who decided can close the case from the page they have open: the letter's
    arrival is not a change that makes their page stale."""
    case = in_review(w.procedure, agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, agent.user)
    case.refresh_from_db()
    version = case.version
    assert Letter.objects.get(decision__case=case).status == LetterStatus.READY
    from bonnefoi.cases import services

    services.case_close(case=case, user=agent.user, expected_version=version)


def test_helpers_for_views(w, agent, django_capture_on_commit_callbacks):
    """letter_html gives the stored fragment (headings from h2) once ready; the PDF response is
    a download named after the reference; both refuse a letter not ready yet."""
    with pytest.raises(Http404):
        letters.letter_pdf_response(None)
    letter = decided(w, agent, django_capture_on_commit_callbacks)
    html = letters.letter_html(letter)
    assert html.startswith("<article")
    assert "<h1" not in html
    assert "<table" in html or "Montants" not in html
    response = letters.letter_pdf_response(letter)
    reference = letter.decision.case.reference
    assert response["Content-Type"] == "application/pdf"
    assert f'attachment; filename="decision-{reference}.pdf"' == response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.7")

    Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.PENDING)
    letter.refresh_from_db()
    assert letters.letter_html(letter) == ""
    with pytest.raises(Http404):
        letters.letter_pdf_response(letter)
