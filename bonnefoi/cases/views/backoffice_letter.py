"""The decision letter in the back office: read it (HTML, as sent), download its PDF, and put
a letter whose layout failed back in the queue.

Scope as on the case page: a case outside the user's subtrees is a 404; reading needs the
"view" ability, the retry needs "process" (403 otherwise). Every reading of the letter is a
reading of the case and is audited (services.case_record_view, pages "letter" / "letter_pdf").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from bonnefoi.cases import letters, services
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.models import Case, Letter, LetterStatus
from bonnefoi.cases.views.backoffice import case_or_404, forbidden

NOT_READY = "Le courrier de décision de ce dossier n'est pas disponible."
NO_LETTER = "Ce dossier n'a pas de courrier de décision."
NOT_ALLOWED_VIEW = "Votre rôle ne permet pas de lire les courriers de ce dossier."
NOT_ALLOWED_RETRY = "Votre rôle ne permet pas de relancer la mise en forme de ce courrier."


def letter_of(case: Case) -> Letter | None:
    """The letter of the case's decision, if the case was decided."""
    return (
        Letter.objects.filter(decision__case=case)
        .select_related("decision__case", "decision__agent")
        .first()
    )


def _ready_letter(case: Case) -> Letter:
    letter = letter_of(case)
    if letter is None or letter.status != LetterStatus.READY:
        raise Http404(NOT_READY)
    return letter


@require_safe
@never_cache  # personal data: private, not stored
def letter(request, reference: str):
    """The letter as sent to the person, inside the back office's layout."""
    case = case_or_404(request.user, reference)
    if not case_abilities(request.user, case)["view"]:
        return forbidden(request, NOT_ALLOWED_VIEW)
    found = _ready_letter(case)
    services.case_record_view(case=case, user=request.user, page="letter")
    return render(
        request,
        "cases/backoffice/letter.html",
        {
            "title": f"Courrier de décision — dossier {case.reference}",
            "case": case,
            "letter": found,
            "letter_html": letters.letter_html(found),
            "pdf_url": reverse("cases_backoffice:letter_pdf", args=[case.reference])
            if found.pdf
            else "",
        },
    )


@require_safe
def letter_pdf(request, reference: str):
    """The tagged PDF of the letter, always as a download."""
    case = case_or_404(request.user, reference)
    if not case_abilities(request.user, case)["view"]:
        return forbidden(request, NOT_ALLOWED_VIEW)
    found = _ready_letter(case)
    try:
        response = letters.letter_pdf_response(found)  # 404 while there is no PDF
    except FileNotFoundError:
        raise Http404("Le fichier PDF du courrier est introuvable.") from None
    services.case_record_view(case=case, user=request.user, page="letter_pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def letter_retry(request, reference: str):
    """Put a letter whose layout failed back in the rendering queue (post/redirect/get)."""
    case = case_or_404(request.user, reference)
    if not case_abilities(request.user, case)["process"]:
        return forbidden(request, NOT_ALLOWED_RETRY)
    found = letter_of(case)
    if found is None:
        raise Http404(NO_LETTER)
    if found.status == LetterStatus.FAILED:
        letters.letter_retry(found, actor=request.user)
        messages.success(
            request,
            "La mise en forme du courrier est relancée ; il sera disponible dans quelques minutes.",
        )
    elif found.status == LetterStatus.READY:
        messages.info(request, "Le courrier est déjà disponible : rien à relancer.")
    else:
        messages.info(request, "Le courrier est déjà en préparation : rien à relancer.")
    return redirect(reverse("cases_backoffice:case", args=[case.reference]) + "#courrier")
