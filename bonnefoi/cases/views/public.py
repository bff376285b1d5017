"""« Signaler une erreur et la corriger »: the declaration, step by step, without an account
and without JavaScript (each step is a server round trip), and « J'ai perdu mon lien ».

Nothing typed is lost: every POST is saved in the server-side Draft first, valid or not, then
judged. The draft's secret lives in a long-lived HttpOnly cookie (not the session: a session
expiry loses nothing) and in a resume link shown on each step, for another device. Sending
twice (double click, back then send) creates one case: services.case_submit is idempotent per
draft. Pages showing a secret are never cached."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from bonnefoi.cases import services, tasks
from bonnefoi.cases.forms import (
    FILES_HELP,
    SEARCH_LIMIT,
    STEP_FORMS,
    LostLinkForm,
    ProcedureForm,
    build_declaration,
    check_files,
    search_procedures,
)
from bonnefoi.cases.models import Case, Draft, IdentifierKind
from bonnefoi.cases.routing import route
from bonnefoi.core.ratelimit import counter_key, hit

COOKIE = "bonnefoi_declaration"
COOKIE_PATH = "/signaler/"
SECRET = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
LOST_LINK_LIMIT = 5  # requests per address and per hour...
LOST_LINK_PER_REFERENCE = 3  # ...and per reference and per day (no e-mail bombing)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...] = ()


STEPS = (
    Step("demarche", "Administration et démarche", ("q", "procedure", "postal_code")),
    Step(
        "declaration",
        "Ce que vous avez déclaré et ce qui est exact",
        ("declared_value", "declared_on", "correct_value", "correct_since"),
    ),
    Step(
        "demande",
        "Demande de l'administration",
        ("administration_asked", "letter_date", "letter_deadline"),
    ),
    Step("identifiant", "Identifiant de dossier", ("identifier_kind", "identifier")),
    Step("pieces", "Pièces jointes"),
    Step("contact", "Contact et consentement", ("contact_email", "consent")),
    Step("verifier", "Vérifier et envoyer"),
)
STEP_INDEX = {step.slug: index for index, step in enumerate(STEPS)}
REVIEW = "verifier"
# Uploads per address and hour (each request with files counts once): drafts cost disk space
# for CASE_DRAFT_RETENTION_DAYS, and no account limits who creates them.
UPLOADS_PER_HOUR = 30
UPLOADS_LIMITED = (
    "Beaucoup de documents ont été envoyés depuis votre connexion en une heure : ceux-ci n'ont "
    "pas été ajoutés. Réessayez un peu plus tard ; le reste de votre déclaration est gardé."
)
RESEND_WINDOW = timedelta(minutes=10)  # a second « Envoyer » still sees the confirmation


# --- the draft and its cookie -----------------------------------------------------------------


def _cookie_secret(request) -> str | None:
    secret = request.COOKIES.get(COOKIE, "")
    return secret if SECRET.match(secret) else None


def _open_draft(request, *, create: bool, restart_if_sent: bool = True):
    """(draft or None, secret). A draft already sent is not reopened by the form: the person
    starts a new declaration (with a new secret)."""
    secret = _cookie_secret(request)
    draft = services.draft_for(secret, create=False) if secret else None
    if draft is not None and draft.case_id is not None and restart_if_sent:
        draft, secret = None, None
    if secret is None:
        secret = services.new_secret()
    if draft is None and create:
        draft = services.draft_for(secret)
    return draft, secret


def _keep_cookie(response, secret: str):
    response.set_cookie(
        COOKIE,
        secret,
        max_age=settings.CASE_DRAFT_RETENTION_DAYS * 24 * 3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _resume_url(request, secret: str) -> str:
    return request.build_absolute_uri(reverse("cases:resume", args=[secret]))


def _step_url(slug: str, *, back_to_review: bool = False) -> str:
    url = reverse("cases:step", args=[slug])
    return f"{url}?retour={REVIEW}" if back_to_review else url


def destination(data: dict):
    """The structure that will receive the declaration, once procedure and postal code are
    valid; else None."""
    form = ProcedureForm(data)
    if not form.is_valid():
        return None
    try:
        return route(form.cleaned_data["procedure"], form.cleaned_data["postal_code"])
    except ValueError:
        return None


def _stepper(step: Step) -> dict:
    index = STEP_INDEX[step.slug]
    following = STEPS[index + 1].title if index + 1 < len(STEPS) else ""
    return {"number": index + 1, "total": len(STEPS), "next_title": following}


def _render_step(
    request, step: Step, secret: str, draft: Draft | None, form, *, status=200, refused=()
):
    data = draft.data if draft else {}
    context = {
        "title": f"Signaler une erreur — {step.title}",
        "step": step,
        "stepper": _stepper(step),
        "form": form,
        "resume_url": _resume_url(request, secret),
        "previous_url": _step_url(STEPS[STEP_INDEX[step.slug] - 1].slug)
        if STEP_INDEX[step.slug]
        else "",
        "back_to_review": request.GET.get("retour") == REVIEW,
        "destination": destination(data),
        "refused": list(refused),
        "draft_days": settings.CASE_DRAFT_RETENTION_DAYS,
    }
    if step.slug == "demarche":
        query = data.get("q", "")
        selected = str(form["procedure"].value() or "")
        hits = search_procedures(query, selected=selected)
        context.update(
            query=query,
            selected_procedure=selected,
            hits=hits[:SEARCH_LIMIT],
            too_many=len(hits) > SEARCH_LIMIT,
            searched=bool(query.strip()),
        )
    if step.slug == "pieces":
        context.update(
            attachments=list(draft.attachments.filter(case__isnull=True)) if draft else [],
            max_count=settings.CASE_ATTACHMENTS_MAX_COUNT,
            max_mb=settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024),
            files_help=FILES_HELP,
        )
    if step.slug == "contact":
        context.update(
            retention_days=settings.CASE_RETENTION_DAYS,
        )
    response = render(request, "cases/public/step.html", context, status=status)
    return _keep_cookie(response, secret)


# --- pages --------------------------------------------------------------------------------------


@login_not_required
@require_safe
@never_cache
def start(request):
    """What the declaration asks for, and whether one is already under way here."""
    draft, _secret = _open_draft(request, create=False)
    under_way = draft is not None and bool(draft.data)
    resume_step = draft.step if under_way and draft.step in STEP_INDEX else "demarche"
    return render(
        request,
        "cases/public/start.html",
        {
            "title": "Signaler une erreur et la corriger",
            "under_way": under_way,
            "resume_url": _step_url(resume_step),
            "first_url": _step_url("demarche"),
            "retention_days": settings.CASE_RETENTION_DAYS,
        },
    )


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def step(request, step: str):
    if step not in STEP_INDEX:
        raise Http404("Étape inconnue.")
    if step == REVIEW:
        return review(request)
    current = STEPS[STEP_INDEX[step]]
    form_class = STEP_FORMS.get(step)
    if request.method != "POST":
        draft, secret = _open_draft(request, create=False)
        data = draft.data if draft else {}
        form = form_class(initial=data) if form_class else None
        return _render_step(request, current, secret, draft, form)

    draft, secret = _open_draft(request, create=True)
    typed = {name: request.POST.get(name, "").strip() for name in current.fields}
    if "consent" in typed:
        typed["consent"] = "on" if typed["consent"] else ""
    services.draft_save(draft=draft, data=typed, step=step)
    action = request.POST.get("action", "next")
    back_to_review = request.GET.get("retour") == REVIEW
    index = STEP_INDEX[step]
    if step == "demarche" and action == "search":
        return _keep_cookie(redirect(_step_url(step) + "#resultats"), secret)
    if step == "pieces":
        refused = _documents(request, draft)
        if refused:  # say which documents were refused; the others are kept
            return _render_step(request, current, secret, draft, None, status=400, refused=refused)
        if action == "upload" or request.POST.get("remove"):
            return _keep_cookie(redirect(_step_url(step) + "#pieces-jointes"), secret)
    if action == "previous" and index > 0:
        return _keep_cookie(redirect(_step_url(STEPS[index - 1].slug)), secret)
    if form_class is not None:
        form = form_class(typed)
        if not form.is_valid():
            return _render_step(request, current, secret, draft, form, status=400)
    following = REVIEW if back_to_review else STEPS[index + 1].slug
    return _keep_cookie(redirect(_step_url(following)), secret)


def _documents(request, draft: Draft) -> list[str]:
    """Remove the document asked for, or check and attach the uploaded ones; the French
    messages of the refused files."""
    removed = request.POST.get("remove", "")
    if removed.isascii() and removed.isdigit():
        services.draft_detach(draft=draft, attachment_id=int(removed))
        return []
    uploaded = request.FILES.getlist("files")
    if uploaded and _over_limit(
        _rate_key("uploads", request.META.get("REMOTE_ADDR", "")),
        UPLOADS_PER_HOUR,
        3600,
    ):
        return [UPLOADS_LIMITED]
    room = settings.CASE_ATTACHMENTS_MAX_COUNT - draft.attachments.filter(case__isnull=True).count()
    accepted, refused = check_files(uploaded, room=room)
    for checked in accepted:
        try:
            services.draft_attach(
                draft=draft, checked=checked, limit=settings.CASE_ATTACHMENTS_MAX_COUNT
            )
        except ValidationError as error:
            refused.append(f"« {checked.original_name} » n'a pas été ajouté : {error.messages[0]}")
    return refused


def review(request):
    """« Vérifier et envoyer »: everything typed, step by step, with « Modifier » links; the
    POST sends the declaration (once per draft)."""
    if request.method == "POST":
        draft, secret = _open_draft(request, create=False, restart_if_sent=False)
        if draft is None:
            return redirect(_step_url("demarche"))
        if draft.case_id is not None:  # sent already (double click, back then send)
            return _already_sent(request, draft, secret)
        declaration, bound = build_declaration(draft.data)
        if declaration is None:
            return _render_review(request, draft, secret, bound, status=400)
        try:
            case, _created = services.case_submit(draft=draft, declaration=declaration)
        except ValidationError as error:
            return _render_review(
                request, draft, secret, bound, status=400, extra_errors=error.messages
            )
        return _confirmation_redirect(case)
    draft, secret = _open_draft(request, create=False)
    _declaration, bound = build_declaration(draft.data if draft else {})
    return _render_review(request, draft, secret, bound)


def _confirmation_redirect(case: Case) -> HttpResponseRedirect:
    return redirect("cases:submitted", case.reference, services.tracking_secret(case))


def _already_sent(request, draft: Draft, secret: str):
    """A draft sent again: within a few minutes (double click, back then send) the same
    confirmation; later, only the reference — a draft's secret (a cookie left on a shared
    computer, a resume link) must not keep opening the case (see the lost-link page)."""
    if timezone.now() - draft.case.submitted_at <= RESEND_WINDOW:
        return _confirmation_redirect(draft.case)
    return render(
        request,
        "cases/public/resume.html",
        {"title": "Déclaration déjà envoyée", "draft": draft, "sent": draft.case.reference},
    )


def _display(form, name: str) -> str:
    """What the person typed, in words (choices by their label)."""
    value = form[name].value()
    if name == "procedure":
        hit = next(iter(search_procedures("", selected=str(value or ""))), None)
        return f"{hit.title} ({', '.join(hit.owners)})" if hit else ""
    if name == "administration_asked":
        return {"yes": "Oui", "no": "Non"}.get(str(value or ""), "")
    if name == "identifier_kind":
        return IdentifierKind(value).label if value in IdentifierKind.values else ""
    if name == "consent":
        return "Oui" if value else "Non"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


def _render_review(request, draft, secret, bound, *, status=200, extra_errors=()):
    sections = []
    for current in STEPS[:-1]:
        form = bound.get(current.slug)
        rows = []
        if form is not None:
            rows = [
                {"label": form[name].label, "value": _display(form, name)} for name in form.fields
            ]
        sections.append(
            {
                "step": current,
                "edit_url": _step_url(current.slug, back_to_review=True),
                "rows": rows,
                "errors": [error for errors in form.errors.values() for error in errors]
                if form is not None
                else [],
            }
        )
    complete = all(not form.errors for form in bound.values())
    current = STEPS[-1]
    response = render(
        request,
        "cases/public/review.html",
        {
            "title": f"Signaler une erreur — {current.title}",
            "step": current,
            "stepper": _stepper(current),
            "sections": sections,
            "attachments": list(draft.attachments.filter(case__isnull=True)) if draft else [],
            "complete": complete and draft is not None,
            "extra_errors": list(extra_errors),
            "destination": destination(draft.data) if draft else None,
            "resume_url": _resume_url(request, secret),
            "draft_days": settings.CASE_DRAFT_RETENTION_DAYS,
            "previous_url": _step_url(STEPS[-2].slug),
        },
        status=status,
    )
    return _keep_cookie(response, secret)


@login_not_required
@require_safe
@never_cache
def resume(request, secret: str):
    """The resume link (another device, a lost cookie): puts the draft's secret back in the
    cookie and says where the declaration stands."""
    draft = services.draft_for(secret, create=False) if SECRET.match(secret) else None
    if draft is None:
        response = render(
            request,
            "cases/public/resume.html",
            {"title": "Déclaration introuvable", "draft": None, "sent": None, "next_url": ""},
            status=404,
        )
        return response
    sent = draft.case.reference if draft.case_id else None
    next_step = draft.step if draft.step in STEP_INDEX else "demarche"
    response = render(
        request,
        "cases/public/resume.html",
        {
            "title": "Reprendre ma déclaration",
            "draft": draft,
            "sent": sent,
            "next_url": _step_url(next_step),
            "step_title": STEPS[STEP_INDEX[next_step]].title,
        },
    )
    return _keep_cookie(response, secret)


# --- « J'ai perdu mon lien » -----------------------------------------------------------------


def _rate_key(kind: str, value: str) -> str:
    return counter_key("cases-public", kind, value)


def _over_limit(key: str, limit: int, window: int) -> bool:
    """Count one request under `key`; True when over `limit` in the window."""
    return hit(key, window) > limit


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def lost_link(request):
    """Reference + e-mail: when they match a case, its links are renewed and the new one is
    e-mailed. The answer is the same whether they match or not (no way to learn which
    references exist or who filed them); requests are limited per address and per reference."""
    context = {
        "title": "J'ai perdu le lien de suivi de mon dossier",
        "done": False,
        "limited": False,
    }
    if request.method != "POST":
        return render(request, "cases/public/lost_link.html", {**context, "form": LostLinkForm()})
    form = LostLinkForm(request.POST)
    address = request.META.get("REMOTE_ADDR", "")
    if _over_limit(_rate_key("address", address), LOST_LINK_LIMIT, 3600):
        return render(
            request,
            "cases/public/lost_link.html",
            {**context, "form": form, "limited": True},
            status=429,
        )
    if not form.is_valid():
        return render(request, "cases/public/lost_link.html", {**context, "form": form}, status=400)
    reference = form.cleaned_data["reference"]
    email = form.cleaned_data["contact_email"]
    # Counted per reference *and* address typed: requests with other addresses cannot use up
    # the real person's quota.
    digest = tasks.lost_link_digest(email)
    per_reference = _rate_key("reference", f"{reference}:{digest}")
    if not _over_limit(per_reference, LOST_LINK_PER_REFERENCE, 24 * 3600):
        # Matching and sending happen in a task: same answer, same time, match or not.
        tasks.answer_lost_link.enqueue(reference, digest)
    return render(
        request,
        "cases/public/lost_link.html",
        {**context, "form": LostLinkForm(), "done": True},
    )
