"""Agents' side of the correction channel: the queue of a structure subtree, the case page and
its documents. Actions are in backoffice_actions, decision support in backoffice_decision.

Scope: a case outside the subtrees where the user may view cases is a 404 (its existence is not
revealed); an action the user may not take on a visible case is a 403. Every agent view of a
case and every document download is written to the audit log (services.case_record_*).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import Entry
from bonnefoi.advice.search import search_entries
from bonnefoi.cases import selectors, services
from bonnefoi.cases.abilities import case_abilities
from bonnefoi.cases.agent_forms import (
    ALL_STATES,
    CloseForm,
    InviteForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RedirectForm,
    TagForm,
    TakeForm,
)
from bonnefoi.cases.models import Case, CaseState
from bonnefoi.core.models import AuditLogEntry
from bonnefoi.structures.abilities import permissions_on
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import Agent, AnonymityException
from bonnefoi.structures.selectors import structures_visible_to

CASES_PER_PAGE = 25
AUDIT_LINES = 100
TAG_SEARCH_LIMIT = 10
FORBIDDEN_TEMPLATE = "cases/backoffice/forbidden.html"
# French names of the audit log's actions on a case (others are shown as recorded).
AUDIT_ACTIONS = {
    "case.submit": "Déclaration déposée",
    "case.view": "Consultation du dossier",
    "case.letter_retry": "Courrier de décision relancé",
    "case.letter_ready": "Courrier de décision prêt",
    "case.attachment_download": "Téléchargement d'une pièce",
    "case.taken": "Prise en charge",
    "case.message_to_person": "Message à la personne",
    "case.invitation": "Invitation à régulariser",
    "case.internal_note": "Note interne",
    "case.tag": "Erreur fréquente associée",
    "case.decided": "Décision",
    "case.closed": "Clôture",
    "case.redirected": "Transmission (structure d'arrivée)",
    "case.redirect.from": "Transmission (structure de départ)",
    "case.person_answer": "Réponse de la personne",
    "case.tracking_renewed": "Nouveau lien de suivi",
}
# The action forms of the case page, by the ability that shows them.
ACTION_FORMS = {
    "take": TakeForm,
    "message": MessageForm,
    "invite": InviteForm,
    "note": NoteForm,
    "tag": TagForm,
    "redirect": RedirectForm,
    "close": CloseForm,
}


def forbidden(request, message: str):
    return render(
        request,
        FORBIDDEN_TEMPLATE,
        {"title": "Accès refusé", "message": message},
        status=403,
    )


def case_or_404(user, reference: str) -> Case:
    """The case if the user may view it; otherwise a 404 (its existence is not revealed)."""
    return get_object_or_404(
        selectors.cases_visible_to(user).select_related("structure", "procedure", "assignee"),
        reference=reference,
    )


def _in_force():
    return AnonymityException.objects.in_force(timezone.localdate())


def agent_name(agent: Agent | None, viewer) -> str:
    """How the back office names an agent: name, or pseudonym under an anonymity exception when
    the viewer may not see the real name (structures.abilities.agent_abilities)."""
    if agent is None:
        return ""
    identity = agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE, viewer=viewer)
    return f"{identity.name} ({agent.structure.name})"


# --- queue -------------------------------------------------------------------------------------


@require_safe
def queue(request):
    """Open cases of the user's subtrees, oldest first, with filters and counts per state."""
    structures = list(
        structures_visible_to(request.user, selectors.roles_with("case.view")).order_by("path")
    )
    if not structures:
        return forbidden(
            request,
            "Les dossiers de correction sont traités par les agents, responsables qualité et "
            "administrateurs des administrations. Votre compte n'a aucun de ces rôles.",
        )
    form = QueueFilterForm(request.GET or None, structures=structures)
    if request.GET and not form.is_valid():
        return render(
            request,
            "cases/backoffice/queue.html",
            {
                "title": "Erreur — Dossiers de correction",
                "form": form,
                "page": None,
                "rows": [],
                "counts": [],
                "page_query": "",
                "target_days": selectors.target_days(),
            },
            status=400,
        )
    filters = form.cleaned_data if form.is_bound else {}
    state = filters.get("etat") or ""
    structure_id = filters.get("structure") or None
    cases = selectors.queue(
        request.user,
        state=state if state in CaseState.values else None,
        structure_id=structure_id,
        search=filters.get("q") or "",
        overdue_only=bool(filters.get("en_retard")),
        include_closed=state == ALL_STATES,
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "case": case,
            "age": (today - timezone.localdate(case.submitted_at)).days,
            "assignee": agent_name(case.assignee, request.user) if case.assignee else "",
        }
        for case in page.object_list
    ]
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "cases/backoffice/queue.html",
        {
            "title": "Dossiers de correction",
            "form": form,
            "page": page,
            "rows": rows,
            "counts": _counts(request.user, structure_id, params),
            "page_query": urlencode(params),
            "target_days": selectors.target_days(),
        },
    )


def _counts(user, structure_id, params) -> list[dict]:
    """Cases per state in the user's scope (or the chosen structure), with a filter link."""
    scope = selectors.cases_visible_to(user)
    if structure_id:
        scope = scope.filter(structure_id=structure_id)
    found = dict(scope.order_by().values_list("state").annotate(n=Count("pk")))
    base = {k: v for k, v in params.items() if k not in ("etat", "en_retard")}
    return [
        {
            "state": value,
            "label": label,
            "count": found.get(value, 0),
            "query": urlencode({**base, "etat": value}),
        }
        for value, label in CaseState.choices
    ]


# --- case page ---------------------------------------------------------------------------------


def _events(case: Case):
    return case.events.select_related("agent__structure").prefetch_related(
        Prefetch("agent__anonymity_exceptions", queryset=_in_force()), "attachments"
    )


def _audit_rows(case: Case, viewer) -> list[dict]:
    entries = list(
        AuditLogEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .select_related("actor", "structure")
        .order_by("-created_at", "-pk")[:AUDIT_LINES]
    )
    agents = {
        agent.user_id: agent
        for agent in Agent.objects.filter(user_id__in={e.actor_id for e in entries if e.actor_id})
        .select_related("structure")
        .prefetch_related(Prefetch("anonymity_exceptions", queryset=_in_force()))
    }
    rows = []
    for entry in entries:
        if entry.actor_id is None:
            who = "La personne ou le système"
        elif entry.actor_id in agents:
            who = agent_name(agents[entry.actor_id], viewer)
        else:
            who = entry.actor.email
        rows.append(
            {"entry": entry, "who": who, "action": AUDIT_ACTIONS.get(entry.action, entry.action)}
        )
    return rows


def tag_entries(case: Case, query: str = "") -> tuple[list[Entry], list[Entry]]:
    """Published entries suggested for the case's procedure, and those found by the search."""
    suggested = list(
        Entry.objects.published().filter(procedures=case.procedure).order_by("title")[:20]
    )
    found: list[Entry] = []
    if query:
        hits = search_entries(query, limit=TAG_SEARCH_LIMIT).hits
        by_id = Entry.objects.published().in_bulk([hit.entry_id for hit in hits])
        found = [by_id[hit.entry_id] for hit in hits if hit.entry_id in by_id]
    return suggested, found


def build_forms(case: Case, abilities: dict, *, bound: dict | None = None, offered=()):
    """One form per allowed action; a bound one (refused or in conflict) replaces its blank."""
    bound = bound or {}
    forms = {}
    for action, form_class in ACTION_FORMS.items():
        ability = "process" if action in ("note", "tag") else action
        if not abilities.get(ability):
            continue
        if action in bound:
            forms[action] = bound[action]
        elif action == "tag":
            forms[action] = TagForm(
                case=case,
                entries=offered,
                initial={"entry": str(case.entry_id) if case.entry_id else None},
            )
        else:
            forms[action] = form_class(case=case)
    return forms


def render_case(
    request,
    case: Case,
    *,
    bound: dict | None = None,
    status: int = 200,
    conflict: str | None = None,
    typed: list[tuple[str, str]] | None = None,
    invite_preview=None,
):
    """The case page; `bound` holds a refused form to show with its errors and what was typed.
    Every rendering shows the declaration, so every rendering is audited."""
    user = request.user
    services.case_record_view(case=case, user=user, page="dossier")
    abilities = case_abilities(user, case)
    tag_query = request.GET.get("conseil", "").strip()[:100]
    suggested, found = tag_entries(case, tag_query)
    offered = list({e.pk: e for e in [*suggested, *found]}.values())
    forms = build_forms(case, abilities, bound=bound, offered=offered)
    events = list(_events(case))
    can_audit = "audit.view" in permissions_on(user, case.structure)
    context = {
        "title": f"Dossier {case.reference}"
        if status < 400
        else f"Erreur — Dossier {case.reference}",
        "case": case,
        "abilities": abilities,
        "forms": forms,
        "events": [{"event": e, "who": agent_name(e.agent, user)} for e in events],
        "attachments": list(case.attachments.select_related("event")),
        "invitations": list(case.invitations.all()),
        "today": timezone.localdate(),
        "decision": getattr(case, "decision", None) if case.state in _DECIDED else None,
        "assignee": agent_name(case.assignee, user) if case.assignee_id else "",
        "audit_rows": _audit_rows(case, user) if can_audit else None,
        "prior": selectors.prior_outcomes(case, user),
        "tag_query": tag_query,
        "tag_found": found,
        "conflict": conflict,
        "typed": typed or [],
        "invite_preview": invite_preview,
        "overdue": selectors.with_overdue(Case.objects.filter(pk=case.pk))
        .values_list("overdue", flat=True)
        .first(),
    }
    return render(request, "cases/backoffice/case.html", context, status=status)


_DECIDED = (CaseState.DECIDED, CaseState.CLOSED)


@require_safe
def case_detail(request, reference: str):
    return render_case(request, case_or_404(request.user, reference))


@require_safe
def attachment_download(request, reference: str, pk: int):
    """A document of the case, for those who may view the case: always downloaded (never shown
    inline), with the type detected at upload and nosniff."""
    case = case_or_404(request.user, reference)
    attachment = get_object_or_404(case.attachments, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("Document introuvable.") from None
    services.case_record_download(case=case, user=request.user, attachment=attachment)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
