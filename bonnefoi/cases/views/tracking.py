"""The person's side of a case once sent, opened by the secret tracking link: the confirmation,
the tracking page (status, public history, what the administration asked, the answer form),
their documents and the decision letter.

A wrong reference or secret is a 404, whatever is wrong. Agents appear only through
agent_public_identity with no viewer (an anonymity exception always applies here). Internal
notes and tags never leave the back office (PUBLIC_EVENT_KINDS). Nothing here is cached."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from bonnefoi.cases import services
from bonnefoi.cases.forms import FILES_HELP, AnswerForm, check_files
from bonnefoi.cases.letters import letter_html
from bonnefoi.cases.models import (
    PUBLIC_EVENT_KINDS,
    Case,
    CaseState,
    Letter,
    LetterStatus,
)
from bonnefoi.rules.catalogue import load_catalogue
from bonnefoi.structures.identification import Channel, agent_public_identity

SENT_FLAG = "envoyee"
# The person's rights and duties, cited on the confirmation and the tracking pages.
REFERENCE_KEYS = ("crpa-l123-1", "crpa-l123-1-al2", "crpa-l123-2", "loi-essoc-art-2")
STATE_TEXT = {
    CaseState.SUBMITTED: "Votre déclaration a été reçue. Elle attend qu'un agent la prenne en "
    "charge.",
    CaseState.IN_REVIEW: "Un agent examine votre déclaration. Il peut vous écrire ou vous "
    "demander un document : vous recevrez alors un courriel.",
    CaseState.AWAITING_PERSON: "L'administration vous demande quelque chose : lisez sa demande "
    "ci-dessous et répondez avant la date indiquée.",
    CaseState.DECIDED: "L'administration a pris sa décision. Le courrier de décision explique "
    "ses motifs et vos recours.",
    CaseState.CLOSED: "Ce dossier est clos. Pour une autre erreur, faites une nouvelle "
    "déclaration.",
}


def _case_or_404(reference: str, secret: str) -> Case:
    case = services.case_by_tracking(reference, secret)
    if case is None:
        raise Http404("Lien de suivi inconnu ou périmé.")
    return case


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def legal_references() -> list:
    """The articles cited to the person (rules data: code, article, version, Légifrance URL)."""
    references = load_catalogue().references
    return [references[key] for key in REFERENCE_KEYS]


def agent_label(agent) -> str:
    """How an agent is named to the public: name (or pseudonym), position, service."""
    identity = agent_public_identity(agent=agent, channel=Channel.LETTER_SIGNATURE, viewer=None)
    return ", ".join(identity.lines)


@login_not_required
@require_safe
@never_cache
def submitted(request, reference: str, secret: str):
    """The confirmation: reference, tracking link, receipt sent, rights and duties."""
    case = _case_or_404(reference, secret)
    tracking_url = request.build_absolute_uri(reverse("cases:track", args=[reference, secret]))
    return _private(
        render(
            request,
            "cases/public/submitted.html",
            {
                "title": f"Déclaration envoyée — {case.reference}",
                "case": case,
                "tracking_url": tracking_url,
                "references": legal_references(),
            },
        )
    )


def _letter_of(case: Case) -> Letter | None:
    return Letter.objects.filter(decision__case=case).select_related("decision").first()


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def track(request, reference: str, secret: str):
    """The tracking page; its POST is the person's answer (message and/or documents)."""
    case = _case_or_404(reference, secret)
    form = AnswerForm()
    refused: list[str] = []
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        room = settings.CASE_ATTACHMENTS_MAX_COUNT - case.attachments.count()
        accepted, refused = check_files(request.FILES.getlist("files"), room=room)
        if form.is_valid() and not refused:
            try:
                services.case_person_answer(
                    case=case,
                    body=form.cleaned_data["body"],
                    files=accepted,
                    limit=settings.CASE_ATTACHMENTS_MAX_COUNT,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                url = reverse("cases:track", args=[reference, secret])
                return redirect(f"{url}?reponse={SENT_FLAG}#historique")
        status = 400
    events = [
        {
            "event": event,
            "who": "Vous" if event.by_person else (agent_label(event.agent) if event.agent else ""),
            "files": [a for a in event.attachments.all() if a.by_person],
        }
        for event in case.events.filter(kind__in=PUBLIC_EVENT_KINDS)
        .select_related("agent__structure")
        .prefetch_related("agent__anonymity_exceptions", "attachments")
    ]
    invitations = list(case.invitations.all())
    letter = _letter_of(case)
    return _private(
        render(
            request,
            "cases/track.html",
            {
                "title": f"Dossier {case.reference}",
                "case": case,
                "reference": reference,
                "secret": secret,
                "state_text": STATE_TEXT[case.state],
                "assignee": agent_label(case.assignee) if case.assignee else "",
                "events": events,
                "invitations": invitations,
                "open_invitations": [i for i in invitations if i.answered_at is None],
                "documents": list(case.attachments.filter(by_person=True)),
                "decided": hasattr(case, "decision")
                and case.state in (CaseState.DECIDED, CaseState.CLOSED),
                "letter": letter,
                "letter_ready": letter is not None and letter.status == LetterStatus.READY,
                "can_answer": case.is_open,
                "form": form,
                "refused": refused,
                "files_help": FILES_HELP,
                "max_count": settings.CASE_ATTACHMENTS_MAX_COUNT,
                "max_mb": settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024),
                "sent": request.GET.get("reponse") == SENT_FLAG,
                "references": legal_references(),
            },
            status=status,
        )
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file served as a download, never rendered by the browser."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "document"
    response["Content-Disposition"] = f'attachment; filename="{ascii_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return _private(response)


@login_not_required
@require_safe
def document(request, reference: str, secret: str, pk: int):
    """One of the person's documents (checked PDF, JPEG or PNG), as a download."""
    case = _case_or_404(reference, secret)
    attachment = get_object_or_404(case.attachments, pk=pk, by_person=True)
    try:
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404("Document introuvable.") from None
    return _download(content, attachment.content_type, attachment.original_name)


def _ready_letter(case: Case) -> Letter:
    letter = _letter_of(case)
    if letter is None or letter.status != LetterStatus.READY:
        raise Http404("Le courrier de décision n'est pas encore disponible.")
    return letter


@login_not_required
@require_safe
@never_cache
def letter(request, reference: str, secret: str):
    """The decision letter as HTML (kept as sent), inside the site's page."""
    case = _case_or_404(reference, secret)
    found = _ready_letter(case)
    return _private(
        render(
            request,
            "cases/public/letter.html",
            {
                "title": f"Courrier de décision — {case.reference}",
                "case": case,
                "letter": found,
                "letter_html": letter_html(found),
                "track_url": reverse("cases:track", args=[reference, secret]),
                "pdf_url": reverse("cases:letter_pdf", args=[reference, secret])
                if found.pdf
                else "",
            },
        )
    )


@login_not_required
@require_safe
def letter_pdf(request, reference: str, secret: str):
    """The decision letter as PDF, as a download (read whole, like the documents: a letter
    weighs a few hundred kilobytes, and the anonymity walk of public pages reads the body)."""
    case = _case_or_404(reference, secret)
    found = _ready_letter(case)
    if not found.pdf:
        raise Http404("Le courrier n'existe pas encore en PDF.")
    with found.pdf.open("rb") as handle:
        content = handle.read()
    return _download(content, "application/pdf", f"decision-{case.reference}.pdf")
