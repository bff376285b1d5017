"""Back office of the compartment, under /espace-agent/incivilites/: thin views over services.

A report outside what the user may read answers 404 (its existence is not revealed); a page
the user's roles do not open answers a French 403 page.
"""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bonnefoi.incidents import forms, services
from bonnefoi.incidents.abilities import (
    HANDLE,
    compartment_abilities,
    compartment_permissions_on,
    report_abilities,
)
from bonnefoi.incidents.legal import references_for
from bonnefoi.incidents.models import EVENT_REFERENCES, IncidentReport
from bonnefoi.incidents.selectors import reports_visible_to
from bonnefoi.incidents.statistics import SUPPRESSED_MARK, period_table
from bonnefoi.structures.identification import Channel, agent_public_identity

# Follow-up steps: URL name -> (ability, form, service, keyword of the form's `detail` field,
# success message). The order is the order of the forms on the report page.
STEPS = {
    "prise-en-compte": (
        "acknowledge",
        forms.AcknowledgeForm,
        services.incident_report_acknowledge,
        None,
        "Prise en compte enregistrée : le suivi commence.",
    ),
    "soutien": (
        "offer_support",
        forms.SupportForm,
        services.incident_support_offer,
        "kind",
        "Soutien proposé enregistré.",
    ),
    "plainte": (
        "record_complaint",
        forms.ComplaintForm,
        services.incident_complaint_record,
        "complainant",
        "Plainte enregistrée.",
    ),
    "protection-demandee": (
        "request_protection",
        forms.ProtectionRequestForm,
        services.incident_protection_request,
        None,
        "Demande de protection fonctionnelle enregistrée.",
    ),
    "protection-decision": (
        "decide_protection",
        forms.ProtectionDecisionForm,
        services.incident_protection_decide,
        "decision",
        "Décision sur la protection fonctionnelle enregistrée.",
    ),
    "procureur": (
        "report_to_prosecutor",
        forms.ProsecutorForm,
        services.incident_prosecutor_report,
        None,
        "Signalement au procureur enregistré.",
    ),
    "cloture": (
        "close",
        forms.CloseForm,
        services.incident_report_close,
        None,
        "Signalement clos : l'agent lit votre réponse sur son signalement.",
    ),
}
STEP_TITLES = {
    "prise-en-compte": "Prendre en compte",
    "soutien": "Proposer un soutien à l'agent",
    "plainte": "Noter une plainte",
    "protection-demandee": "Noter une demande de protection fonctionnelle",
    "protection-decision": "Décider de la protection fonctionnelle",
    "procureur": "Noter le signalement au procureur",
    "cloture": "Clore et répondre à l'agent",
}


def _forbidden(request, title: str, explanation: str):
    return render(
        request,
        "incidents/forbidden.html",
        {"title": title, "explanation": explanation},
        status=403,
    )


# --- list and report form ------------------------------------------------------------------


@require_safe
def report_list(request):
    """The user's own reports and, for incident officers, the reports to follow up."""
    visible = (
        reports_visible_to(request.user).select_related("structure").order_by("-occurred_at", "-pk")
    )
    rows = list(visible)
    mine = [r for r in rows if r.reporter_id == request.user.pk]
    to_follow = [r for r in rows if r.reporter_id != request.user.pk]
    services.incident_reports_record_listing(actor=request.user, report_ids=[r.pk for r in rows])
    return render(
        request,
        "incidents/list.html",
        {
            "title": "Incivilités",
            "abilities": compartment_abilities(request.user),
            "mine": mine,
            "to_follow": to_follow,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report_new(request):
    if not compartment_abilities(request.user)["report"]:
        return _forbidden(
            request,
            "Signalement réservé aux agents",
            "Votre compte n'est rattaché à aucune structure : demandez à l'administrateur de "
            "votre structure de vous y rattacher.",
        )
    if request.method != "POST":
        form = forms.ReportForm(user=request.user)
        return _render_report_form(request, form)
    form = forms.ReportForm(data=request.POST, user=request.user)
    if not form.is_valid():
        return _render_report_form(request, form, status=400)
    try:
        report = services.incident_report_create(reporter=request.user, **form.service_kwargs())
    except ValidationError as exc:
        _add_errors(form, exc)
        return _render_report_form(request, form, status=400)
    messages.success(
        request,
        "Signalement enregistré. Les référents incivilités de votre structure sont les seuls à "
        "le lire ; vous suivrez ici chaque étape.",
    )
    return redirect("incidents:detail", pk=report.pk)


def _render_report_form(request, form, *, status=200):
    return render(
        request,
        "incidents/form.html",
        {"title": "Signaler une incivilité", "form": form},
        status=status,
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- one report ----------------------------------------------------------------------------


def _report_or_404(request, pk: int) -> IncidentReport:
    return get_object_or_404(
        reports_visible_to(request.user).select_related(
            "structure", "reporter__agent", "acknowledged_by", "closed_by"
        ),
        pk=pk,
    )


def _reporter_name(viewer, report: IncidentReport) -> str:
    """The reporter as the back office shows an agent (pseudonym under an anonymity exception
    when the viewer may not see the real name); a user without agent profile by e-mail."""
    agent = getattr(report.reporter, "agent", None)
    if agent is None:
        return report.reporter.email
    identity = agent_public_identity(agent=agent, channel=Channel.COUNTER_BADGE, viewer=viewer)
    return identity.name


def _render_detail(request, report, *, bound: tuple[str, object] | None = None, status=200):
    abilities = report_abilities(request.user, report)
    step_forms = []
    for slug, (ability, form_class, *_rest) in STEPS.items():
        if not abilities[ability]:
            continue
        form = bound[1] if bound and bound[0] == slug else form_class(prefix=slug)
        step_forms.append({"slug": slug, "title": STEP_TITLES[slug], "form": form})
    events = list(report.events.select_related("actor__agent").order_by("happened_on", "pk"))
    services.incident_report_record_read(actor=request.user, report=report)
    return render(
        request,
        "incidents/detail.html",
        {
            "title": f"Signalement n° {report.pk}",
            "report": report,
            "abilities": abilities,
            "events": [
                {"event": event, "references": references_for(EVENT_REFERENCES.get(event.kind, ()))}
                for event in events
            ],
            "step_forms": step_forms,
            "protection_references": references_for(("cgfp-l134-1-a-l134-12", "cgfp-l134-5")),
            "reporter_name": _reporter_name(request.user, report),
        },
        status=status,
    )


@require_safe
def report_detail(request, pk: int):
    """The report, its timeline and, for an officer, the next follow-up steps (read audited)."""
    return _render_detail(request, _report_or_404(request, pk))


def _refused_step(request):
    return _forbidden(
        request,
        "Suivi réservé aux référents incivilités",
        "Seul un référent incivilités de la structure peut suivre ce signalement, et jamais "
        "un signalement qu'il a fait lui-même.",
    )


@require_POST
def report_step(request, pk: int, step: str):
    report = _report_or_404(request, pk)
    if step not in STEPS:
        return redirect("incidents:detail", pk=report.pk)
    _ability, form_class, service, detail_kwarg, success = STEPS[step]
    is_handler = HANDLE in compartment_permissions_on(request.user, report.structure)
    if not is_handler or report.reporter_id == request.user.pk:
        return _refused_step(request)
    form = form_class(data=request.POST, prefix=step)
    if not form.is_valid():
        return _render_detail(request, report, bound=(step, form), status=400)
    kwargs = dict(form.cleaned_data)
    if "detail" in kwargs:
        kwargs[detail_kwarg] = kwargs.pop("detail")
    if "happened_on" in kwargs:
        kwargs["on"] = kwargs.pop("happened_on")
    try:
        service(report=report, actor=request.user, **kwargs)
    except PermissionDenied:
        return _refused_step(request)
    except ValidationError as exc:
        _add_errors(form, exc)
        report.refresh_from_db()
        return _render_detail(request, report, bound=(step, form), status=400)
    messages.success(request, success)
    return redirect("incidents:detail", pk=report.pk)


# --- statistics ----------------------------------------------------------------------------


def _statistics_form(request):
    """(form, table or None, 403 response or None)."""
    if not compartment_abilities(request.user)["view_statistics"]:
        return (
            None,
            None,
            _forbidden(
                request,
                "Statistiques réservées à l'encadrement",
                "Les statistiques des incivilités sont ouvertes aux référents incivilités, aux "
                "responsables qualité et aux administrateurs.",
            ),
        )
    form = forms.StatisticsForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    table = period_table(root=data["structure"], year=data["year"], period=data["period"])
    return form, table, None


@require_safe
def statistics(request):
    form, table, refusal = _statistics_form(request)
    if refusal is not None:
        return refusal
    return render(
        request,
        "incidents/statistics.html",
        {
            "title": "Statistiques des incivilités",
            "form": form,
            "table": table,
            "mark": SUPPRESSED_MARK,
            "query": request.GET.urlencode(),
        },
        status=200 if table is not None else 400,
    )


@require_safe
def statistics_csv(request):
    """The same table as CSV: counts only, the same secret ("s" for a hidden count)."""
    form, table, refusal = _statistics_form(request)
    if refusal is not None:
        return refusal
    if table is None:
        errors = "; ".join(e for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    services.incident_statistics_record_export(
        actor=request.user, root=table.root, year=table.year, period=table.period
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"incivilites-{table.root.sp_code or table.root.pk}-{table.year}-{table.period}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'

    def shown(value):
        return SUPPRESSED_MARK if value is None else value

    def text(value: str) -> str:
        # A spreadsheet would run a cell starting with one of these as a formula.
        return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value

    writer = csv.writer(response)
    writer.writerow(["structure", "code_sp", *table.columns, "total"])
    for row in table.rows:
        writer.writerow(
            [
                text(row.structure.name),
                text(row.structure.sp_code or ""),
                *(shown(v) for v in row.cells),
                shown(row.total),
            ]
        )
    writer.writerow(["Total", "", *(shown(v) for v in table.column_totals), shown(table.total)])
    return response
