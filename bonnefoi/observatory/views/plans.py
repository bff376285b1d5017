"""Back office of the action plans, filing volumes, spike alerts and frequent-error pages
(/espace-agent/observatoire/). Thin views: scope, selectors, abilities, services, render.

A plan, action or alert outside the user's observatory scopes answers 404; a write the role
does not allow answers 403 (French page). Every refused form comes back with what was typed.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bonnefoi.advice.models import Entry
from bonnefoi.observatory import selectors, services
from bonnefoi.observatory.abilities import observatory_abilities, observatory_scopes
from bonnefoi.observatory.impact import action_impact
from bonnefoi.observatory.models import Action, ActionPlan, ActionStatus
from bonnefoi.observatory.periods import label
from bonnefoi.observatory.plan_forms import (
    ActionForm,
    ActionUpdateForm,
    PlanForm,
    VolumeForm,
    apply_service_errors,
)
from bonnefoi.observatory.spikes import WEEK, last_complete_week
from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import Structure

FORBIDDEN_TEMPLATE = "observatory/plans/forbidden.html"
TREND_WEEKS = 26


def _forbidden(request, message: str):
    return render(
        request, FORBIDDEN_TEMPLATE, {"title": "Accès refusé", "message": message}, status=403
    )


def observatory_scope_required(view):
    """Signed-in users without an observatory role anywhere get a French 403 page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not observatory_scopes(request.user).exists():
            return _forbidden(
                request,
                "L'observatoire des erreurs est réservé aux responsables qualité et aux "
                "administrateurs d'une structure. Votre compte n'a aucun de ces rôles.",
            )
        return view(request, *args, **kwargs)

    return wrapped


def _plan_structures(user):
    """Structures where the user may open a plan or record a volume."""
    return observatory_scopes(user).order_by("path")


def _owner_name(agent, viewer) -> str:
    return agent_public_identity(
        agent=agent,
        channel=Channel.COUNTER_BADGE,
        viewer=viewer,
        service_label=agent.structure.name,
    ).name


def _action_rows(actions, viewer, today: dt.date) -> list[dict]:
    open_states = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    return [
        {
            "action": action,
            "owner": _owner_name(action.owner, viewer),
            "overdue": action.status in open_states and action.due_on < today,
            "impact": action_impact(action, today=today)
            if action.status == ActionStatus.DONE
            else None,
        }
        for action in actions
    ]


# --- plans ------------------------------------------------------------------------------------


@require_safe
@observatory_scope_required
def plans(request):
    status = request.GET.get("etat", "")
    if status and status not in ActionStatus.values:
        status = ""
    plan_list = list(selectors.plans_visible_to(request.user, status).prefetch_related("entries"))
    return render(
        request,
        "observatory/plans/list.html",
        {
            "title": "Plans d'action",
            "plans": plan_list,
            "status": status,
            "statuses": ActionStatus.choices,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@observatory_scope_required
def plan_create(request):
    structures = _plan_structures(request.user)
    if request.method != "POST":
        initial = {}
        entry = Entry.objects.filter(slug=request.GET.get("erreur", "")).first()
        if entry is not None:
            initial["entries"] = [entry.pk]
        form = PlanForm(structures=structures, initial=initial)
        return _render_plan_form(request, form)
    form = PlanForm(data=request.POST, structures=structures)
    if form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return _forbidden(request, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Plan d'action ouvert.")
            return redirect("observatory:plan_detail", pk=plan.pk)
    return _render_plan_form(request, form, status=400)


def _render_plan_form(request, form, status=200):
    return render(
        request,
        "observatory/plans/plan_form.html",
        {"title": "Ouvrir un plan d'action", "form": form},
        status=status,
    )


def _plan_or_404(user, pk: int) -> ActionPlan:
    plan = get_object_or_404(
        ActionPlan.objects.select_related("structure", "procedure", "created_by"), pk=pk
    )
    if not observatory_abilities(user, plan.structure)["view"]:
        raise Http404("Plan introuvable.")
    return plan


@require_safe
def plan_detail(request, pk: int):
    plan = _plan_or_404(request.user, pk)
    return _render_plan(request, plan)


def _render_plan(request, plan: ActionPlan, action_form=None, status=200):
    abilities = observatory_abilities(request.user, plan.structure)
    if action_form is None and abilities["plan"]:
        action_form = ActionForm(owners=services.eligible_action_owners(plan), viewer=request.user)
    today = timezone.localdate()
    actions = plan.actions.select_related("owner__structure", "owner__user").order_by(
        "due_on", "pk"
    )
    return render(
        request,
        "observatory/plans/plan_detail.html",
        {
            "title": plan.title,
            "plan": plan,
            "entries": plan.entries.order_by("title"),
            "rows": _action_rows(actions, request.user, today),
            "abilities": abilities,
            "action_form": action_form,
        },
        status=status,
    )


@require_POST
def action_create(request, pk: int):
    plan = _plan_or_404(request.user, pk)
    if not observatory_abilities(request.user, plan.structure)["plan"]:
        return _forbidden(request, "Vous ne pouvez pas ajouter d'action à ce plan.")
    form = ActionForm(
        data=request.POST, owners=services.eligible_action_owners(plan), viewer=request.user
    )
    if form.is_valid():
        try:
            services.action_create(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Action ajoutée au plan.")
            return redirect("observatory:plan_detail", pk=plan.pk)
    return _render_plan(request, plan, action_form=form, status=400)


def _action_or_404(user, pk: int) -> Action:
    action = get_object_or_404(
        Action.objects.select_related(
            "plan__structure", "plan__procedure", "owner__structure", "owner__user"
        ),
        pk=pk,
    )
    if not observatory_abilities(user, action.plan.structure)["view"]:
        raise Http404("Action introuvable.")
    return action


@require_http_methods(["GET", "HEAD", "POST"])
def action_update(request, pk: int):
    """The status of an action; done needs its date, evidence and public summary."""
    action = _action_or_404(request.user, pk)
    can_change = observatory_abilities(request.user, action.plan.structure)["plan"] and (
        action.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    )
    status = 200
    if request.method == "POST":
        if not can_change:
            return _forbidden(request, "Vous ne pouvez pas modifier cette action.")
        form = ActionUpdateForm(data=request.POST)
        if form.is_valid():
            try:
                services.action_update(actor=request.user, action=action, **form.cleaned_data)
            except PermissionDenied as exc:
                return _forbidden(request, str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Action mise à jour.")
                return redirect("observatory:plan_detail", pk=action.plan_id)
        status = 400
    else:
        form = ActionUpdateForm(
            initial={
                "status": action.status,
                "completed_on": action.completed_on,
                "evidence": action.evidence,
                "public_summary": action.public_summary,
            }
        )
    today = timezone.localdate()
    return render(
        request,
        "observatory/plans/action_form.html",
        {
            "title": "Action du plan",
            "action": action,
            "row": _action_rows([action], request.user, today)[0],
            "form": form,
            "can_change": can_change,
        },
        status=status,
    )


# --- filing volumes ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@observatory_scope_required
def volumes(request):
    structures = _plan_structures(request.user)
    status = 200
    if request.method == "POST":
        form = VolumeForm(data=request.POST, structures=structures)
        if form.is_valid():
            try:
                services.filing_volume_record(actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                return _forbidden(request, str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Volume de dépôts enregistré.")
                return redirect("observatory:volumes")
        status = 400
    else:
        form = VolumeForm(structures=structures)
    return render(
        request,
        "observatory/plans/volumes.html",
        {
            "title": "Volumes de dépôts",
            "form": form,
            "volumes": selectors.volumes_visible_to(request.user)[:200],
        },
        status=status,
    )


# --- alerts -----------------------------------------------------------------------------------


@require_safe
@observatory_scope_required
def alerts(request):
    rows = [
        {
            "alert": alert,
            "can_acknowledge": services.alert_can_acknowledge(request.user, alert.entry),
        }
        for alert in selectors.alerts_visible_to(request.user)[:200]
    ]
    return render(
        request,
        "observatory/alerts.html",
        {"title": "Alertes de hausse", "rows": rows},
    )


@require_POST
def alert_acknowledge(request, pk: int):
    alert = get_object_or_404(selectors.alerts_visible_to(request.user), pk=pk)
    try:
        services.spike_alert_acknowledge(actor=request.user, alert=alert)
    except PermissionDenied as exc:
        return _forbidden(request, str(exc))
    messages.success(request, "Alerte prise en compte.")
    return redirect("observatory:alerts")


# --- one frequent error -----------------------------------------------------------------------


def _scope(request) -> Structure | None:
    """The scope of the page: ?perimetre=<id> among the user's scopes, else the user's first
    scope (the whole country for a superuser)."""
    scopes = observatory_scopes(request.user)
    requested = request.GET.get("perimetre", "")
    if requested:
        if not (requested.isascii() and requested.isdigit()):
            raise Http404("Périmètre inconnu.")
        return get_object_or_404(scopes, pk=int(requested))
    if request.user.is_superuser:
        return None
    return scopes.order_by("path").first()


@require_safe
@observatory_scope_required
def entry(request, slug: str):
    """One frequent error in the user's scope: weekly trend, votes, alerts, plans, impacts."""
    item = get_object_or_404(Entry, slug=slug)
    scope = _scope(request)
    last = last_complete_week(timezone.localdate()) + WEEK  # the current week too
    span = selectors.Range("week", last - WEEK * (TREND_WEEKS - 1), last)
    weeks = [
        {"start": start, "label": label("week", start), "received": totals.received}
        for start, totals in selectors.trend(scope, span, selectors.Filters(entry=item))
    ]
    useful, not_useful = selectors.feedback_signals([item.pk], span).get(item.pk, (0, 0))
    scopes = observatory_scopes(request.user)
    plans = (
        ActionPlan.objects.filter(entries=item, structure__in=scopes)
        .select_related("structure")
        .order_by("-created_at")
    )
    today = timezone.localdate()
    plan_rows = []
    for plan in plans:
        done = plan.actions.filter(status=ActionStatus.DONE).select_related(
            "owner__structure", "owner__user"
        )
        plan_rows.append({"plan": plan, "rows": _action_rows(done, request.user, today)})
    return render(
        request,
        "observatory/entry.html",
        {
            "title": item.title,
            "entry": item,
            "scope": scope,
            "scopes": scopes.order_by("path")[:200],
            "weeks": weeks,
            "total": sum(w["received"] for w in weeks),
            "peak": max([w["received"] for w in weeks] or [0]),
            "useful": useful,
            "not_useful": not_useful,
            "alerts": selectors.alerts_visible_to(request.user).filter(entry=item)[:20],
            "plan_rows": plan_rows,
            "can_plan": scope is None or observatory_abilities(request.user, scope)["plan"],
        },
    )
