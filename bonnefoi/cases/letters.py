"""The decision letter: HTML kept as sent and a tagged PDF (PDF/UA-1, WeasyPrint), rendered in a
background task once the agent has decided (services.case_decide creates the Letter, pending).

What the letter says comes from the Decision (outcome, motivation, evidence, amounts) and from the
engine's answer kept with it (articles applied, with their version dates and Légifrance links).
Remedies are law as data (REMEDIES below). The signature follows the identification rules: it is
computed by agent_public_identity(channel=LETTER_SIGNATURE, viewer=None) on the day of the
decision, so an anonymity exception in force that day shows the pseudonym and the service only;
the snapshot kept in Letter.signature is what was signed, whatever happens to the agent later.

Views never build a letter: they call letter_html() (the person's tracking page, the back office)
and letter_pdf_response().
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from bonnefoi.cases import hooks
from bonnefoi.cases.models import (
    Case,
    CaseEvent,
    Decision,
    EventKind,
    Letter,
    LetterStatus,
    Outcome,
)
from bonnefoi.core.audit import audit_log
from bonnefoi.structures.identification import (
    Channel,
    agent_public_identity,
    structure_public_label,
)

logger = logging.getLogger(__name__)

BODY_TEMPLATE = "cases/letter/body.html"
DOCUMENT_TEMPLATE = "cases/letter/document.html"
STYLESHEET_TEMPLATE = "cases/letter/letter.css"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF, structure tree, XMP identification (WeasyPrint)

# Remedies against an administrative decision (common law). Restated in our own words.
REMEDIES = (
    {
        "id": "crpa-l411-2",
        "code": "Code des relations entre le public et l'administration",
        "article": "L411-2",
        "version_date": "2016-01-01",
        "url": "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000031367829",
        "unverified": True,
        "note": "Texte et date de version lus sur une copie (doctrine.fr), pas sur Légifrance.",
        "summary": "Un recours gracieux ou hiérarchique formé dans le délai du recours "
        "contentieux interrompt ce délai.",
    },
    {
        "id": "cja-r421-1",
        "code": "Code de justice administrative",
        "article": "R421-1",
        "version_date": "2020-01-01",
        "url": "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006449941",
        "unverified": True,
        "note": "Texte et date de version lus sur une copie (doctrine.fr), pas sur Légifrance.",
        "summary": "Le juge administratif est saisi dans les deux mois qui suivent la "
        "notification de la décision.",
    },
    {
        "id": "cja-r421-5",
        "code": "Code de justice administrative",
        "article": "R421-5",
        "version_date": None,
        "url": "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006070933",
        "unverified": True,
        "note": "[M] Non vérifié : les délais de recours ne sont opposables que s'ils sont "
        "indiqués, avec les voies de recours, dans la notification de la décision.",
        "summary": "Les délais de recours doivent figurer dans la notification de la décision.",
    },
)
# Sectors where a prior appeal to a commission and another court are the rule [M, not verified]:
# the letter tells the person to ask the service before going to the administrative court.
SOCIAL_SECURITY_REMEDY = (
    "Pour les prestations et cotisations de sécurité sociale, la contestation passe en "
    "général d'abord par la commission de recours amiable de l'organisme, puis par le "
    "tribunal judiciaire (pôle social). Renseignez-vous auprès du service indiqué "
    "ci-dessous avant de saisir un tribunal."
)
SECTOR_REMEDY_NOTES = dict.fromkeys(("caf", "cnav", "urssaf", "cpam"), SOCIAL_SECURITY_REMEDY)
SECTOR_REMEDY_NOTES["tax"] = (
    "En matière d'impôts, une réclamation doit en général d'abord être adressée au service des "
    "impôts avant toute saisine du tribunal. Renseignez-vous auprès du service indiqué "
    "ci-dessous."
)
SECTOR_REMEDY_NOTES_VERIFIED = False  # [M]: to check on Légifrance (CSS R142-1, LPF R190-1)


class LetterNotReady(Exception):
    """The letter has no PDF yet (pending or failed)."""


# --- what the letter says -----------------------------------------------------------------------


def signature_snapshot(decision: Decision) -> dict:
    """The deciding agent as the public sees them on the day of the decision (viewer=None)."""
    on = timezone.localdate(decision.decided_at)
    identity = agent_public_identity(
        agent=decision.agent, channel=Channel.LETTER_SIGNATURE, viewer=None, on=on
    )
    return {
        "name": identity.name,
        "position": identity.position,
        "service": identity.service,
        "address": identity.address,
        "is_pseudonymous": identity.is_pseudonymous,
        "lines": list(identity.lines),
        "on": on.isoformat(),
    }


def _amount(value) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def amounts_rows(decision: Decision) -> list[dict]:
    """The table of amounts: sanction considered, sanction kept, sums still due."""
    engine = decision.engine or {}
    sanction = _amount(decision.sanction_amount_eur)
    rows: list[dict] = []
    if sanction is not None:
        rows.append({"label": "Sanction envisagée", "amount": sanction, "total": False})
        if decision.outcome == Outcome.GRANTED and engine.get("sanction") == "waived":
            rows.append({"label": "Sanction appliquée", "amount": Decimal("0.00"), "total": False})
    interest = engine.get("interest") or {}
    if decision.outcome == Outcome.GRANTED and interest.get("amount_eur") is not None:
        label = "Intérêt de retard dû"
        if interest.get("reduction_pct"):
            label += f" (réduit de {interest['reduction_pct']} %)"
        rows.append({"label": label, "amount": _amount(interest["amount_eur"]), "total": False})
    sums_due = _amount(decision.sums_due_eur)
    if sums_due is None and engine.get("principal_amount_eur") is not None:
        sums_due = _amount(engine["principal_amount_eur"])
    if sums_due is not None:
        rows.append({"label": "Sommes restant dues", "amount": sums_due, "total": True})
    return rows


def with_version_dates(references) -> list[dict]:
    """References with `version_on`, their version date as a date (printed in French)."""
    return [
        {
            **reference,
            "version_on": date.fromisoformat(reference["version_date"])
            if reference.get("version_date")
            else None,
        }
        for reference in references
    ]


def remedy_note(case: Case) -> str:
    return SECTOR_REMEDY_NOTES.get(case.procedure.engine_sector or "", "")


def letter_context(letter: Letter, signature: dict) -> dict:
    decision = letter.decision
    case = decision.case
    engine = decision.engine or {}
    return {
        "case": case,
        "decision": decision,
        "outcome": decision.outcome,
        "outcome_label": decision.get_outcome_display(),
        "Outcome": {o.name: o.value for o in Outcome},
        "administration": structure_public_label(case.structure),
        "structure": case.structure,
        "decided_on": timezone.localdate(decision.decided_at),
        "submitted_on": timezone.localdate(case.submitted_at),
        "engine_sanction": engine.get("sanction"),
        "principal_still_due": engine.get("principal_still_due", True),
        "articles": with_version_dates(engine.get("articles") or []),
        "amounts": amounts_rows(decision),
        "remedies": with_version_dates(REMEDIES),
        "remedy_note": remedy_note(case),
        "identity": signature,
    }


def render_body(letter: Letter, signature: dict) -> str:
    """The letter itself (a fragment: headings from h2), as the tracking page shows it."""
    return render_to_string(BODY_TEMPLATE, letter_context(letter, signature)).strip()


def render_pdf(body: str, *, title: str) -> bytes:
    """The tagged PDF (PDF/UA-1) of a letter body."""
    from weasyprint import CSS, HTML, URLFetcher  # heavy import (Pango, fonts): worker only

    # A letter embeds nothing from outside: no protocol is allowed, and a try stops the render.
    no_fetch = URLFetcher(allowed_protocols=(), fail_on_errors=True)

    document = render_to_string(DOCUMENT_TEMPLATE, {"body": mark_safe(body), "title": title})  # noqa: S308 - rendered by our autoescaping template
    stylesheet = CSS(string=render_to_string(STYLESHEET_TEMPLATE), url_fetcher=no_fetch)
    return HTML(string=document, url_fetcher=no_fetch).write_pdf(
        stylesheets=[stylesheet], pdf_variant=PDF_VARIANT
    )


def letter_title(case: Case) -> str:
    return f"Décision sur votre déclaration — dossier {case.reference}"


# --- rendering (background task) ----------------------------------------------------------------


def render_letter(letter_id: int) -> Letter | None:
    """Render and store a letter, then tell the person (LETTER_READY). Idempotent: a letter
    already ready is left as it is. A failure marks it failed with the error (retry with
    letter_retry)."""
    letter = (
        Letter.objects.select_related(
            "decision__agent__structure",
            "decision__case__structure",
            "decision__case__procedure",
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None or letter.status == LetterStatus.READY:
        return letter
    try:
        signature = signature_snapshot(letter.decision)
        body = render_body(letter, signature)
        pdf = render_pdf(body, title=letter_title(letter.decision.case))
    except Exception as error:  # any rendering failure is recorded, then retried
        logger.exception("Decision letter %s could not be rendered", letter_id)
        Letter.objects.filter(pk=letter_id).exclude(status=LetterStatus.READY).update(
            status=LetterStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        return Letter.objects.get(pk=letter_id)
    return _store(letter, body=body, pdf=pdf, signature=signature)


@transaction.atomic
def _store(letter: Letter, *, body: str, pdf: bytes, signature: dict) -> Letter:
    case = Case.objects.select_for_update().get(pk=letter.decision.case_id)
    locked = Letter.objects.select_for_update().get(pk=letter.pk)
    if locked.status == LetterStatus.READY:  # another worker finished first
        return locked
    locked.pdf.save(f"decision-{case.reference}.pdf", ContentFile(pdf), save=False)
    locked.html = body
    locked.signature = signature
    locked.status = LetterStatus.READY
    locked.rendered_at = timezone.now()
    locked.error = ""
    locked.save()
    letter_ready(case=case, letter=locked)
    return locked


def letter_ready(*, case: Case, letter: Letter) -> CaseEvent:
    """Record LETTER_READY on a case locked by the caller (like services do): the person is
    e-mailed once committed. System event: the case's version does not change, so an agent
    who has the case open can still close it."""
    event = CaseEvent.objects.create(
        case=case,
        kind=EventKind.LETTER_READY,
        body="Le courrier de décision est disponible.",
        data={"letter": letter.pk},
    )
    case.save(update_fields=["updated_at"])  # API clients syncing by "updated since" see it
    audit_log(actor=None, action="case.letter_ready", obj=case, structure=case.structure)
    case_id, event_id = case.pk, event.pk
    transaction.on_commit(lambda: hooks.after_event(case_id, event_id))
    return event


@transaction.atomic
def letter_retry(letter: Letter, *, actor=None) -> Letter:
    """Put a failed letter back in the queue (the back office's "réessayer" button)."""
    locked = Letter.objects.select_for_update().select_related("decision__case").get(pk=letter.pk)
    if locked.status != LetterStatus.FAILED:
        return locked
    locked.status, locked.error = LetterStatus.PENDING, ""
    locked.save(update_fields=["status", "error"])
    case = locked.decision.case
    audit_log(actor=actor, action="case.letter_retry", obj=case, structure=case.structure)
    letter_id = locked.pk
    transaction.on_commit(lambda: hooks.enqueue_letter(letter_id))
    return locked


# --- reading (views of the tracking page and of the back office) --------------------------------


def letter_html(letter: Letter | None) -> SafeString:
    """The letter as sent (an HTML fragment, headings from h2), or "" while it is not ready.
    Safe: it was produced by an autoescaping template when the letter was rendered."""
    if letter is None or letter.status != LetterStatus.READY:
        return SafeString("")
    return mark_safe(letter.html)  # noqa: S308 - stored output of our autoescaping template


def letter_pdf_response(letter: Letter | None) -> FileResponse:
    """The PDF as a download; 404 while the letter is not ready. The caller checks access
    (tracking secret or case abilities)."""
    if letter is None or letter.status != LetterStatus.READY or not letter.pdf:
        raise Http404("Le courrier de décision n'est pas encore disponible.")
    reference = letter.decision.case.reference
    response = FileResponse(
        letter.pdf.open("rb"),
        as_attachment=True,
        filename=f"decision-{reference}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
