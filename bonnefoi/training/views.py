"""Back office of training under /espace-agent/formations/: catalogue, my training, an agent's
record, coverage of a subtree, CSV import. Everything is scoped to the user's subtrees."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from bonnefoi.structures.identification import Channel, agent_public_identity
from bonnefoi.structures.models import Agent, AnonymityException, Structure
from bonnefoi.structures.selectors import user_memberships
from bonnefoi.structures.services import agent_record_access, agents_record_listing
from bonnefoi.training import selectors, services
from bonnefoi.training.abilities import (
    agent_training_abilities,
    roots_with,
    structures_with,
)
from bonnefoi.training.forms import (
    CompletionForm,
    CoverageForm,
    ImportForm,
    ModuleForm,
    PopulationsForm,
)
from bonnefoi.training.importing import FileRefused, import_completions
from bonnefoi.training.models import Completion, ImportBatch

AGENTS_LIMIT = 500


def _in_force_today():
    return Prefetch(
        "anonymity_exceptions",
        queryset=AnonymityException.objects.in_force(timezone.localdate()),
    )


def _shown_name(user, agent: Agent) -> str:
    """The name the user may see: the pseudonym of an agent under an anonymity exception, unless
    the user may see the real name (docs/adr/0002-identification-des-agents.md)."""
    return agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE, viewer=user).name


def _forbidden(request, what: str):
    return render(
        request, "training/forbidden.html", {"title": "Accès réservé", "what": what}, status=403
    )


def _has(user, permission: str) -> bool:
    return user.is_superuser or bool(roots_with(user, permission))


def _menu(user) -> dict[str, bool]:
    return {
        "coverage": _has(user, "training.view_coverage"),
        "record": _has(user, "training.record"),
        "catalogue": _has(user, "training.catalogue"),
        "is_agent": Agent.objects.filter(user=user).exists(),
    }


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_safe
def catalogue(request):
    """Modules offered to the user's structures (platform catalogue plus their own additions)."""
    structures = [m.structure for m in user_memberships(request.user)]
    agent = Agent.objects.filter(user=request.user).select_related("structure").first()
    if agent is not None:
        structures.append(agent.structure)
    modules = (
        selectors.modules_for_user(structures)
        .select_related("owner")
        .order_by("-mandatory", "owner__path", "title")
    )
    return render(
        request,
        "training/catalogue.html",
        {"title": "Formations", "modules": modules, "menu": _menu(request.user)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def module_new(request):
    owners = structures_with(request.user, "training.catalogue").order_by("path")
    if not owners.exists():
        return _forbidden(request, "catalogue")
    form = ModuleForm(request.POST or None, owners=owners)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            owner = data.pop("owner")
            try:
                services.module_create(actor=request.user, owner=owner, **data)
            except PermissionDenied as exc:
                form.add_error("owner", str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Module ajouté au catalogue de la structure.")
                return redirect("training:catalogue")
    return render(
        request,
        "training/module_form.html",
        {"title": "Ajouter un module", "form": form},
        status=status,
    )


@require_safe
def my_training(request):
    agent = get_object_or_404(Agent.objects.select_related("structure"), user=request.user)
    return _render_agent(request, agent, is_self=True)


def _render_agent(
    request, agent, *, is_self=False, completion_form=None, populations_form=None, status=200
):
    abilities = agent_training_abilities(request.user, agent)
    today = timezone.localdate()
    modules = selectors.modules_available_to(agent.structure)
    return render(
        request,
        "training/agent.html",
        {
            "title": "Mes formations"
            if is_self
            else f"Formations — {_shown_name(request.user, agent)}",
            "agent": agent,
            "is_self": is_self,
            "abilities": abilities,
            "statuses": selectors.agent_training_status(agent, today),
            "completions": selectors.agent_completions(agent),
            "completion_form": completion_form
            or (CompletionForm(agent=agent, modules=modules) if abilities["record"] else None),
            "populations_form": populations_form
            or (
                PopulationsForm(initial={"front_line": agent.front_line, "manager": agent.manager})
                if abilities["edit_populations"]
                else None
            ),
        },
        status=status,
    )


def _agent_in_scope(request, pk: int) -> Agent:
    agent = get_object_or_404(
        Agent.objects.select_related("structure", "user").prefetch_related(_in_force_today()),
        pk=pk,
    )
    if not agent_training_abilities(request.user, agent)["view"]:
        raise Http404
    return agent


@require_http_methods(["GET", "HEAD", "POST"])
def agent_record(request, pk: int):
    """An agent's training: status per module, completions, and the forms to record one."""
    agent = _agent_in_scope(request, pk)
    abilities = agent_training_abilities(request.user, agent)
    is_self = agent.user_id == request.user.pk
    if not is_self:
        agent_record_access(actor=request.user, agent=agent, channel="training")
    if request.method != "POST":
        return _render_agent(request, agent, is_self=is_self)
    if request.POST.get("action") == "populations":
        if not abilities["edit_populations"]:
            return _forbidden(request, "populations")
        form = PopulationsForm(request.POST)
        form.is_valid()  # two optional check boxes: always valid
        services.agent_populations_update(actor=request.user, agent=agent, **form.cleaned_data)
        messages.success(request, "Populations de l'agent enregistrées.")
        return redirect("training:agent", pk=agent.pk)
    if not abilities["record"]:
        return _forbidden(request, "record")
    modules = selectors.modules_available_to(agent.structure)
    form = CompletionForm(request.POST, request.FILES, agent=agent, modules=modules)
    if form.is_valid():
        try:
            services.completion_record(actor=request.user, agent=agent, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Formation enregistrée.")
            return redirect("training:agent", pk=agent.pk)
    return _render_agent(request, agent, is_self=is_self, completion_form=form, status=400)


@require_safe
def agent_list(request):
    """Agents of the subtrees where the user records training or reads coverage."""
    scope = structures_with(request.user, "training.record") | structures_with(
        request.user, "training.view_coverage"
    )
    if not (_has(request.user, "training.record") or _has(request.user, "training.view_coverage")):
        return _forbidden(request, "coverage")
    agents = list(
        Agent.objects.filter(structure__in=scope)
        .select_related("structure")
        .prefetch_related(_in_force_today())
        .order_by("last_name", "first_name", "pk")[:AGENTS_LIMIT]
    )
    rows = [{"agent": agent, "name": _shown_name(request.user, agent)} for agent in agents]
    agents_record_listing(
        actor=request.user, structure_ids=[a.structure_id for a in agents], channel="training"
    )
    return render(
        request,
        "training/agent_list.html",
        {"title": "Formations des agents", "rows": rows, "limit": AGENTS_LIMIT},
    )


@require_safe
def evidence(request, pk: int):
    completion = get_object_or_404(Completion.objects.select_related("agent__structure"), pk=pk)
    if (
        not completion.evidence_file
        or not agent_training_abilities(request.user, completion.agent)["view"]
    ):
        raise Http404
    services.evidence_record_access(actor=request.user, completion=completion)
    return FileResponse(completion.evidence_file.open("rb"), as_attachment=True)


@require_safe
def coverage(request):
    structures = structures_with(request.user, "training.view_coverage").order_by("path")
    roots = roots_with(request.user, "training.view_coverage")
    if not (request.user.is_superuser or roots):
        return _forbidden(request, "coverage")
    default = roots[0] if roots else structures.first()
    data = request.GET if "structure" in request.GET else None
    form = CoverageForm(
        data,
        structures=structures,
        initial={"structure": default, "on_date": timezone.localdate()},
    )
    result = overdue = None
    status = 200
    if data is None or form.is_valid():
        structure: Structure = form.cleaned_data["structure"] if data else default
        on_date = form.cleaned_data["on_date"] if data else timezone.localdate()
        if structure is not None:
            result = selectors.coverage(structure, on_date)
            overdue = selectors.overdue_refreshers(structure, on_date)
            for row in overdue:
                row["name"] = _shown_name(request.user, row["agent"])
            agents_record_listing(
                actor=request.user,
                structure_ids=[row["agent"].structure_id for row in overdue],
                channel="training_coverage",
            )
    else:
        status = 400
    return render(
        request,
        "training/coverage.html",
        {"title": "Couverture des formations", "form": form, "result": result, "overdue": overdue},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def import_form(request):
    if not _has(request.user, "training.record"):
        return _forbidden(request, "record")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_completions(
                    actor=request.user,
                    content=upload.read(),
                    filename=upload.name,
                    default_provider=form.cleaned_data["default_provider"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except FileRefused as exc:
                form.add_error("file", f"Fichier refusé, rien n'est importé : {exc}")
            else:
                if report.batch is not None:
                    return redirect("training:import_detail", pk=report.batch.pk)
                status = 200
    recent = ImportBatch.objects.filter(imported_by=request.user)[:10]
    return render(
        request,
        "training/import.html",
        {"title": "Importer des formations", "form": form, "report": report, "recent": recent},
        status=status,
    )


@require_safe
def import_detail(request, pk: int):
    """The stored report of one import, for the person who ran it."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.imported_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return render(
        request,
        "training/import_detail.html",
        {"title": f"Rapport d'import — {batch.filename}", "batch": batch},
    )
