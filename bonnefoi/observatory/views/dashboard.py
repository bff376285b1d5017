"""Dashboard of the observatory for quality managers (/espace-agent/observatoire/).

Thin views over the selectors, which read the small aggregate tables only: the number of
queries does not depend on the number of cases, entries or structures shown.

Who sees what: the scopes are the subtrees where the user holds a quality manager or
administrator role (`observatory_scopes`); the whole country is for superusers. A structure
outside the user's scopes answers 404 (its figures, and whether it exists, stay hidden); the
national view asked by someone else, or a user without any such role, gets a French 403 page.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import Procedure
from bonnefoi.observatory import charts, selectors
from bonnefoi.observatory.abilities import observatory_abilities, observatory_scopes
from bonnefoi.observatory.forms import NATIONAL, DashboardFilterForm
from bonnefoi.observatory.periods import QUARTER, WEEK, label, next_start
from bonnefoi.structures.models import Structure

RANKING_LIMIT = 15
SEARCH_GAP_LIMIT = 10
CSV_TABLES = ("trend", "ranking", "procedures", "structures", "searches")
MONTH_ABBREVIATIONS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _forbidden(request, title: str, explanation: str):
    return render(
        request,
        "observatory/dashboard_forbidden.html",
        {"title": title, "explanation": explanation},
        status=403,
    )


# --- scope and filters ---------------------------------------------------------------------


@dataclass
class Choice:
    """What the request asks for, once checked: the scope and the validated filters."""

    form: DashboardFilterForm
    scope: Structure | None = None
    span: selectors.Range | None = None
    filters: selectors.Filters = field(default_factory=selectors.Filters)
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def _scope_choices(user) -> tuple[list[tuple[str, str]], dict[str, Structure], str | None]:
    """([(value, label)], {value: structure}, default value) for the scope field."""
    structures = list(observatory_scopes(user).order_by("path"))
    by_value = {str(s.pk): s for s in structures}
    choices = []
    if user.is_superuser:
        choices.append((NATIONAL, "Toute la France"))
    top_depth = min((s.depth for s in structures), default=1)
    for structure in structures:
        indent = "— " * (structure.depth - top_depth)
        choices.append((str(structure.pk), f"{indent}{structure.name}"))
    if user.is_superuser:
        default = NATIONAL
    elif structures:
        default = str(min(structures, key=lambda s: (s.depth, s.name)).pk)
    else:
        default = None
    return choices, by_value, default


def _choose(request):
    """(Choice, None) or (None, refusal response); raises Http404 for a hidden structure."""
    user = request.user
    choices, by_value, default = _scope_choices(user)
    if default is None:
        return None, _forbidden(
            request,
            "Observatoire réservé aux responsables qualité",
            "Les tableaux de bord de l'observatoire sont ouverts aux responsables qualité et aux "
            "administrateurs, pour les structures dont ils ont la charge. Demandez ce rôle à "
            "l'administrateur de votre structure si vous en avez besoin.",
        )
    asked = request.GET.get("scope", "")
    if asked == NATIONAL and not user.is_superuser:
        return None, _forbidden(
            request,
            "Vue nationale réservée",
            "Les chiffres de toute la France sont réservés à l'administration nationale du "
            "service. Choisissez une structure de votre périmètre.",
        )
    if asked.isdigit() and asked not in by_value:
        raise Http404("Structure hors du périmètre.")
    form = DashboardFilterForm(request.GET, scopes=choices, default_scope=default)
    if not form.is_valid():
        return Choice(form=form), None
    data = form.cleaned_data
    scope = None if data["scope"] == NATIONAL else by_value[data["scope"]]
    if not observatory_abilities(user, scope)["view"]:  # belt and braces: the choices say so
        raise Http404("Structure hors du périmètre.")
    life_event = data["life_event"]
    filters = selectors.Filters(
        procedure=data["procedure"],
        life_event_entries=selectors.life_event_entries(life_event) if life_event else None,
        entry=data["entry"],
    )
    span = selectors.Range.covering(form.period, data["date_from"], data["date_to"])
    return (
        Choice(
            form=form,
            scope=scope,
            span=span,
            filters=filters,
            first_day=span.first,
            last_day=span.end - dt.timedelta(days=1),
        ),
        None,
    )


# --- what the page shows -------------------------------------------------------------------


def axis_label(kind: str, start: dt.date) -> str:
    """The short label written under the axis of the trend chart."""
    if kind == WEEK:
        return f"sem. {start:%d/%m/%y}"
    if kind == QUARTER:
        return label(kind, start)
    return f"{MONTH_ABBREVIATIONS[start.month - 1]} {start.year}"


def share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def entry_link(slug: str, scope) -> str:
    """The observatory's page of one frequent error, on the same scope as the dashboard."""
    url = reverse("observatory:entry", args=[slug])
    return url if scope is None else f"{url}?{urlencode({'perimetre': scope.pk})}"


def trend_rows(choice: Choice) -> list[dict]:
    kind = choice.span.period
    return [
        {
            "label": label(kind, start),
            "axis_label": axis_label(kind, start),
            "start": start,
            "end": next_start(kind, start) - dt.timedelta(days=1),
            "totals": totals,
        }
        for start, totals in selectors.trend(choice.scope, choice.span, choice.filters)
    ]


def ranking_rows(choice: Choice, *, limit: int | None) -> list[dict]:
    ranking = selectors.error_ranking(choice.scope, choice.span, choice.filters, limit=limit)
    return [
        {
            "item": item,
            "link": entry_link(item.slug, choice.scope),
            "share_granted": share(item.granted, item.decided),
        }
        for item in ranking
    ]


def procedure_rows(choice: Choice) -> list[dict]:
    rows = selectors.breakdown(choice.scope, choice.span, "procedure", choice.filters)
    titles = Procedure.objects.in_bulk([row["procedure"] for row in rows])
    return [
        {
            "title": titles[row["procedure"]].title,
            "received": row["received"],
            "decided": row["decided"] or 0,
            "granted": row["granted"] or 0,
            "share_granted": share(row["granted"] or 0, row["decided"] or 0),
        }
        for row in rows
        if row["procedure"] in titles
    ]


def structure_rows(choice: Choice) -> list[dict]:
    return [
        {
            "structure": child,
            "totals": totals,
            "share_granted": totals.granted_share,
        }
        for child, totals in selectors.structure_breakdown(
            choice.scope, choice.span, choice.filters
        )
    ]


def _period_words(choice: Choice) -> str:
    return {"week": "semaine", "month": "mois", "quarter": "trimestre"}[choice.span.period]


def _trend_chart(choice: Choice, rows: list[dict]) -> dict:
    received = [row["totals"].received for row in rows]
    granted = [row["totals"].granted for row in rows]
    chart = charts.line_chart(
        [row["label"] for row in rows],
        [("Dossiers reçus", received), ("Décisions accordant le droit à l'erreur", granted)],
        axis_labels=[row["axis_label"] for row in rows],
    )
    peak = max(range(len(rows)), key=lambda i: (received[i], -i)) if rows else None
    summary = (
        f"Courbes du nombre de dossiers reçus et des décisions accordant le droit à l'erreur, "
        f"par {_period_words(choice)}, de {rows[0]['label']} à {rows[-1]['label']} : "
        f"{charts.number(sum(received))} dossiers reçus au total, au plus "
        f"{charts.number(received[peak])} en {rows[peak]['label']} ; "
        f"{charts.number(sum(granted))} décisions favorables. "
        "Le tableau qui suit donne chaque valeur."
        if rows
        else "Aucune période à afficher."
    )
    return {"chart": chart, "summary": summary}


def _bar_chart(items: list[tuple[str, int]], what: str) -> dict:
    chart = charts.bar_chart(items)
    if items:
        title, value = items[0]
        summary = (
            f"Barres horizontales : {what}, {len(items)} lignes ; la plus longue, "
            f"« {title} », compte {charts.number(value)} dossiers. "
            "Le tableau qui suit donne chaque valeur."
        )
    else:
        summary = "Aucune donnée."
    return {"chart": chart, "summary": summary}


def _dashboard_context(choice: Choice) -> dict:
    scope, span, filters = choice.scope, choice.span, choice.filters
    totals = selectors.totals(scope, span, filters)
    delay = selectors.median_delay(scope, span)
    trend = trend_rows(choice)
    ranking = ranking_rows(choice, limit=RANKING_LIMIT)
    procedures = procedure_rows(choice)
    structures = structure_rows(choice)
    gaps_total, gaps = selectors.search_gaps(scope, span, limit=SEARCH_GAP_LIMIT)
    return {
        "totals": totals,
        "delay": delay,
        "trend": trend,
        "trend_chart": _trend_chart(choice, trend),
        "ranking": ranking,
        "ranking_limit": RANKING_LIMIT,
        "ranking_chart": _bar_chart(
            [(row["item"].title, row["item"].received) for row in ranking],
            "dossiers reçus par erreur fréquente",
        ),
        "procedures": procedures,
        "procedures_chart": _bar_chart(
            [(row["title"], row["received"]) for row in procedures],
            "dossiers reçus par démarche",
        ),
        "structures": structures,
        "gaps_total": gaps_total,
        "gaps": gaps,
        "filtered": any(
            value is not None
            for value in (filters.procedure, filters.life_event_entries, filters.entry)
        ),
    }


def _scope_name(scope: Structure | None) -> str:
    return "toute la France" if scope is None else scope.name


@require_safe
def dashboard(request):
    choice, refusal = _choose(request)
    if refusal is not None:
        return refusal
    context = {
        "title": "Observatoire des erreurs",
        "form": choice.form,
        "choice": choice,
        "last_refresh": selectors.last_refresh(),
    }
    if choice.span is None:
        return render(request, "observatory/dashboard.html", context, status=400)
    query = choice.form.data.copy()
    context.update(
        _dashboard_context(choice),
        scope_name=_scope_name(choice.scope),
        period_word=_period_words(choice),
        query=_urlencode(query),
        rescope_query=_urlencode({k: v for k, v in query.items() if k != "scope"}),
    )
    return render(request, "observatory/dashboard.html", context)


def _urlencode(data: dict) -> str:
    return urlencode([(key, value) for key, value in data.items() if value not in ("", None)])


# --- CSV -----------------------------------------------------------------------------------


def _cell(value) -> str:
    """One CSV cell for a French spreadsheet: decimal comma, ISO dates, and text that a
    spreadsheet would run as a formula neutralised with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_table(choice: Choice, table: str) -> tuple[list[str], list[list]]:
    """(header, rows) of one table of the dashboard, with every row (no display limit)."""
    if table == "trend":
        return (
            ["periode", "debut", "fin", "recus", "avec_erreur_frequente", "decides", "accordes",
             "sanctions_ecartees"],
            [
                [r["label"], r["start"], r["end"], r["totals"].received, r["totals"].tagged,
                 r["totals"].decided, r["totals"].granted, r["totals"].waived]
                for r in trend_rows(choice)
            ],
        )  # fmt: skip
    if table == "ranking":
        return (
            ["rang", "erreur", "identifiant", "recus", "decides", "accordes", "part_accordee_pct",
             "votes_utile", "votes_pas_utile"],
            [
                [rank, r["item"].title, r["item"].slug, r["item"].received, r["item"].decided,
                 r["item"].granted, r["share_granted"], r["item"].useful, r["item"].not_useful]
                for rank, r in enumerate(ranking_rows(choice, limit=None), start=1)
            ],
        )  # fmt: skip
    if table == "procedures":
        return (
            ["demarche", "recus", "decides", "accordes", "part_accordee_pct"],
            [
                [r["title"], r["received"], r["decided"], r["granted"], r["share_granted"]]
                for r in procedure_rows(choice)
            ],
        )
    if table == "structures":
        return (
            ["structure", "code_sp", "recus", "avec_erreur_frequente", "decides", "accordes",
             "part_accordee_pct", "sanctions_ecartees"],
            [
                [r["structure"].name, r["structure"].sp_code or "", r["totals"].received,
                 r["totals"].tagged, r["totals"].decided, r["totals"].granted,
                 r["share_granted"], r["totals"].waived]
                for r in structure_rows(choice)
            ],
        )  # fmt: skip
    total, gaps = selectors.search_gaps(choice.scope, choice.span, limit=1000)
    return (
        ["recherche", "nombre"],
        [[row["query"], row["searches"]] for row in gaps] + [["Total", total]],
    )


@require_safe
def dashboard_csv(request):
    """One table of the dashboard (``?table=trend|ranking|procedures|structures|searches``,
    the trend by default), same filters as the page. Aggregates only: no personal data, so no
    entry in the audit log."""
    choice, refusal = _choose(request)
    if refusal is not None:
        return refusal
    asked = request.GET.get("table") or "trend"
    errors = [e for errors in choice.form.errors.values() for e in errors]
    if asked not in CSV_TABLES:
        errors.append("Choisissez un tableau : " + ", ".join(CSV_TABLES) + ".")
    if errors:
        return HttpResponse("; ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    header, rows = csv_table(choice, asked)
    where = "france" if choice.scope is None else f"{slugify(choice.scope.name)}-{choice.scope.pk}"
    name = f"observatoire-{where}-{asked}-{choice.first_day:%Y%m%d}-{choice.last_day:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # byte order mark: French Excel then reads UTF-8 and semicolons
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response
