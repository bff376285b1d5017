"""Back office of the premises audits, under /espace-agent/accueil/.

Thin views: read the scope, call selectors, abilities and services, render. A site, audit,
action or photo outside the user's subtrees answers 404; an action the user's role does not
allow answers 403.
"""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bonnefoi.reception import selectors, services
from bonnefoi.reception.abilities import corrective_action_abilities, site_premises_abilities
from bonnefoi.reception.forms import ActionUpdateForm, AuditForm, CorrectiveActionForm
from bonnefoi.reception.models import (
    Audit,
    AuditPhoto,
    ChecklistVersion,
    CorrectiveAction,
    Rating,
)
from bonnefoi.reception.scoring import SCORE_RULE
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import Structure, StructureKind

FORBIDDEN_TEMPLATE = "reception/forbidden.html"
PHOTO_RETRY = (
    "Les photos choisies n'ont pas été gardées (un navigateur ne conserve jamais les fichiers "
    "d'un formulaire renvoyé) : sélectionnez-les de nouveau avant d'enregistrer."
)


def _forbidden(request, message: str):
    return render(
        request,
        FORBIDDEN_TEMPLATE,
        {"title": "Accès refusé", "message": message},
        status=403,
    )


def premises_scope_required(view):
    """Signed-in users without any role (hence no subtree) get a French 403 page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_superuser or selectors.premises_roots(request.user)):
            return _forbidden(
                request,
                "Les audits des locaux se consultent depuis un rôle sur une structure. Votre "
                "compte n'en a aucun : demandez-le à l'administrateur de votre structure.",
            )
        return view(request, *args, **kwargs)

    return wrapped


def _sites(user):
    return selectors.structures_in_premises_scope(user).filter(kind=StructureKind.SITE)


def _site_or_404(user, pk: int) -> Structure:
    return get_object_or_404(_sites(user), pk=pk)


def _owner_name(agent, viewer) -> str:
    return agent_public_identity(
        agent=agent,
        channel=Channel.COUNTER_BADGE,
        viewer=viewer,
        service_label=agent.structure.name,  # avoids a query per agent for the label
    ).name


def _action_rows(actions, viewer) -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "action": action,
            "owner": _owner_name(action.owner, viewer),
            "overdue": action.is_open and action.due_on < today,
            "abilities": corrective_action_abilities(viewer, action),
        }
        for action in actions
    ]


# --- network view --------------------------------------------------------------------------


def _default_root(user) -> Structure | None:
    roots = sorted(selectors.premises_roots(user), key=lambda s: s.path)
    if roots:
        return roots[0]
    return Structure.objects.filter(parent=None).order_by("path").first()


@require_safe
@premises_scope_required
def site_list(request):
    """The network view of a subtree: its sites, shares per criterion, overdue audits/actions."""
    choices = selectors.scope_choices(request.user)
    requested = request.GET.get("perimetre", "")
    if requested:
        # str.isdigit() also accepts "²" or "٣", which int() refuses: ASCII digits only.
        if not (requested.isascii() and requested.isdigit()):
            raise Http404("Périmètre inconnu.")
        root = get_object_or_404(
            selectors.structures_in_premises_scope(request.user), pk=int(requested)
        )
        if root.kind == StructureKind.SITE:
            return redirect("reception:site_detail", pk=root.pk)
    else:
        root = _default_root(request.user)
        if root is not None and root.kind == StructureKind.SITE:
            return redirect("reception:site_detail", pk=root.pk)
    if root is None:
        raise Http404("Aucune structure.")
    overview = selectors.network_overview(root)
    return render(
        request,
        "reception/site_list.html",
        {
            "title": "Locaux d'accueil",
            "overview": overview,
            "choices": choices,
            "actions": _action_rows(overview.overdue_actions, request.user),
            "score_rule": SCORE_RULE,
        },
    )


# --- one site ------------------------------------------------------------------------------


@require_safe
@premises_scope_required
def site_detail(request, pk: int):
    """History of a site's audits, its open corrective actions and the next due date."""
    site = _site_or_404(request.user, pk)
    audits = list(selectors.site_audits(site))
    checklist = selectors.current_checklist()
    latest = audits[0] if audits else None
    next_due = selectors.next_audit_due(site=site, latest=latest, checklist=checklist)
    actions = selectors.actions_with_owner(
        CorrectiveAction.objects.still_open().filter(audit__site=site)
    ).order_by("due_on", "pk")
    return render(
        request,
        "reception/site_detail.html",
        {
            "title": f"Locaux — {site.name}",
            "site": site,
            "audits": audits,
            "checklist": checklist,
            "next_due": next_due,
            "overdue": next_due < timezone.localdate(),
            "period": selectors.audit_period_months(checklist),
            "actions": _action_rows(actions, request.user),
            "abilities": site_premises_abilities(request.user, site),
            "score_rule": SCORE_RULE,
        },
    )


def _render_audit_form(request, site, form, *, status=200, photos_lost=False):
    return render(
        request,
        "reception/audit_form.html",
        {
            "title": f"Nouvel audit — {site.name}",
            "site": site,
            "form": form,
            "checklist": form.checklist,
            "photos_lost": photos_lost,
            "score_rule": SCORE_RULE,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@premises_scope_required
def audit_new(request, pk: int):
    site = _site_or_404(request.user, pk)
    if not site_premises_abilities(request.user, site)["record_audit"]:
        return _forbidden(
            request,
            "Seuls les responsables qualité et les administrateurs du site ou d'une structure "
            "dont il dépend enregistrent ses audits.",
        )
    checklist = selectors.current_checklist()
    if checklist is None:
        return _forbidden(request, "Aucune grille des locaux n'est en vigueur aujourd'hui.")
    if request.method != "POST":
        return _render_audit_form(request, site, AuditForm(checklist=checklist))
    form = AuditForm(data=request.POST, files=request.FILES, checklist=checklist)
    photos_lost = any(request.FILES.getlist(name) for name in request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            audit = services.audit_record(
                actor=request.user,
                site=site,
                checklist=checklist,
                kind=data["kind"],
                visited_on=data["visited_on"],
                conducted_by=data["conducted_by"],
                summary=data["summary"],
                results=form.results(),
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(form.service_error_field(key), errors)
        else:
            messages.success(request, "Audit enregistré.")
            return redirect("reception:audit_detail", pk=audit.pk)
    return _render_audit_form(request, site, form, status=400, photos_lost=photos_lost)


# --- one audit -----------------------------------------------------------------------------


def _audit_or_404(user, pk: int) -> Audit:
    try:
        return selectors.audit_detail(pk, _sites(user))
    except Audit.DoesNotExist:
        raise Http404("Audit introuvable.") from None


def _render_audit(request, audit: Audit, *, action_form=None, status=200):
    abilities = site_premises_abilities(request.user, audit.site)
    if action_form is None and abilities["manage_actions"]:
        action_form = CorrectiveActionForm(
            audit=audit,
            owners=services.eligible_action_owners(audit.site),
            viewer=request.user,
        )
    actions = selectors.actions_with_owner(audit.actions.all()).order_by("due_on", "pk")
    results = list(audit.results.all())
    counts = dict.fromkeys(Rating.values, 0)
    for result in results:
        counts[result.rating] += 1
    return render(
        request,
        "reception/audit_detail.html",
        {
            "title": f"Audit du {audit.visited_on:%d/%m/%Y} — {audit.site.name}",
            "audit": audit,
            "results": results,
            "counts": [(Rating(value).label, counts[value]) for value in Rating.values],
            "abilities": abilities,
            "action_form": action_form,
            "actions": _action_rows(actions, request.user),
            "score_rule": SCORE_RULE,
        },
        status=status,
    )


@require_safe
@premises_scope_required
def audit_detail(request, pk: int):
    return _render_audit(request, _audit_or_404(request.user, pk))


@require_POST
@premises_scope_required
def action_new(request, pk: int):
    audit = _audit_or_404(request.user, pk)
    if not site_premises_abilities(request.user, audit.site)["manage_actions"]:
        return _forbidden(request, "Vous ne pouvez pas ouvrir d'action corrective pour ce site.")
    form = CorrectiveActionForm(
        data=request.POST,
        audit=audit,
        owners=services.eligible_action_owners(audit.site),
        viewer=request.user,
    )
    if form.is_valid():
        try:
            services.corrective_action_create(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, "Action corrective ajoutée.")
            return redirect("reception:audit_detail", pk=audit.pk)
    return _render_audit(request, audit, action_form=form, status=400)


# --- one corrective action -----------------------------------------------------------------


def _action_or_404(user, pk: int) -> CorrectiveAction:
    action = get_object_or_404(
        selectors.actions_with_owner(CorrectiveAction.objects.all()).select_related(
            "audit__checklist"
        ),
        pk=pk,
    )
    if not corrective_action_abilities(user, action)["view"]:
        raise Http404("Action introuvable.")
    return action


@require_http_methods(["GET", "HEAD", "POST"])
def action_update(request, pk: int):
    """Progress of a corrective action: its owner or the site's quality managers update it."""
    action = _action_or_404(request.user, pk)
    abilities = corrective_action_abilities(request.user, action)
    can_change = abilities["update"] or abilities["reopen"]
    form = ActionUpdateForm(initial={"status": action.status, "follow_up": action.follow_up})
    status = 200
    if request.method == "POST":
        if not can_change:
            return _forbidden(request, "Vous ne pouvez pas mettre à jour cette action.")
        form = ActionUpdateForm(data=request.POST)
        if form.is_valid():
            try:
                services.corrective_action_update(
                    actor=request.user, action=action, **form.cleaned_data
                )
            except PermissionDenied:  # the action changed meanwhile (closed by someone else)
                return _forbidden(request, "Vous ne pouvez plus mettre à jour cette action.")
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                messages.success(request, "Action mise à jour.")
                return redirect("reception:action_update", pk=action.pk)
        status = 400
    return render(
        request,
        "reception/action_form.html",
        {
            "title": "Action corrective",
            "action": action,
            "owner": _owner_name(action.owner, request.user),
            "form": form,
            "can_change": can_change,
            "can_view_audit": site_premises_abilities(request.user, action.audit.site)["view"],
            "overdue": action.is_open and action.due_on < timezone.localdate(),
        },
        status=status,
    )


# --- photos and checklists -----------------------------------------------------------------


@require_safe
@premises_scope_required
def photo(request, pk: int):
    """Serve one audit photo to someone who may see its audit (never from a public URL)."""
    item = get_object_or_404(
        AuditPhoto.objects.filter(result__audit__site__in=_sites(request.user)).select_related(
            "result__audit__site"
        ),
        pk=pk,
    )
    services.photo_record_access(actor=request.user, photo=item)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise Http404("Fichier introuvable.") from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@premises_scope_required
def checklist_detail(request, number: int):
    """A checklist version as data: criteria, help, sources and what is still to verify."""
    checklist = get_object_or_404(ChecklistVersion, number=number)
    criteria = [
        {
            "criterion": criterion,
            "references": [
                {**ref, "version_date": dt.date.fromisoformat(ref["version_date"])}
                if ref.get("version_date")
                else ref
                for ref in criterion.references
            ],
        }
        for criterion in checklist.criteria.order_by("position")
    ]
    return render(
        request,
        "reception/checklist_detail.html",
        {
            "title": f"Grille des locaux n° {checklist.number}",
            "checklist": checklist,
            "criteria": criteria,
            "versions": ChecklistVersion.objects.order_by("number"),
            "current": selectors.current_checklist(),
            "period": selectors.audit_period_months(checklist),
            "score_rule": SCORE_RULE,
        },
    )
