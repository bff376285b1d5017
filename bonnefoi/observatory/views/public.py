"""Public transparency pages (/transparence/): the right-to-error indicators of the last
publication, the most frequent errors and the completed actions, for the whole country and for
each structure; and the open data files, served from the same published snapshot."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from bonnefoi.core.page_cache import cache_public_page
from bonnefoi.observatory import opendata
from bonnefoi.observatory.models import Measure
from bonnefoi.observatory.publication import (
    ACTIONS_SHOWN,
    NAMESPACE,
    completed_actions,
    published_children,
    published_figures,
)
from bonnefoi.structures.models import Structure

INDICATORS = (
    (Measure.RECEIVED, "Déclarations d'erreur reçues"),
    (Measure.DECIDED, "Décisions rendues"),
    (Measure.GRANTED, "Décisions accordant le droit à l'erreur"),
    (Measure.NOT_GRANTED, "Décisions ne l'accordant pas"),
    (Measure.WAIVED, "Sanctions écartées grâce au droit à l'erreur"),
)


def _context(structure, figures) -> dict:
    threshold = settings.OBSERVATORY_MIN_CELL_SIZE
    values = figures.values if figures else {}
    return {
        "structure": structure,
        "figures": figures,
        "indicators": [
            {"label": label, "value": values.get(measure)} for measure, label in INDICATORS
        ],
        "decided": values.get(Measure.DECIDED),
        "shown_errors": [e for e in figures.errors if e.count is not None] if figures else [],
        "hidden_errors": sorted(
            (e for e in figures.errors if e.count is None) if figures else [],
            key=lambda e: e.title,
        ),
        "median_days": values.get(Measure.MEDIAN_DAYS),
        "threshold": threshold,
        "children": published_children(structure),
        "actions": completed_actions(structure),
        "actions_shown": ACTIONS_SHOWN,
        "files": [
            (opendata.INDICATORS_CSV, "Indicateurs (CSV)"),
            (opendata.INDICATORS_JSON, "Indicateurs (JSON)"),
            (opendata.ERRORS_CSV, "Erreurs les plus fréquentes (CSV)"),
            (opendata.ERRORS_JSON, "Erreurs les plus fréquentes (JSON)"),
            (opendata.PACKAGE_FILE, "Description du jeu de données (datapackage.json)"),
        ],
    }


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def national(request):
    """The whole country (shown even before the first publication, which it then says)."""
    context = _context(None, published_figures(None))
    context["title"] = "Le droit à l'erreur en chiffres"
    return render(request, "transparency/scope.html", context)


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def structure(request, pk: int):
    found = get_object_or_404(Structure, pk=pk)
    figures = published_figures(found)
    if figures is None:
        raise Http404("Aucun chiffre publié pour cette structure.")
    context = _context(found, figures)
    context["title"] = f"Le droit à l'erreur en chiffres — {found.name}"
    context["ancestors"] = list(
        Structure.objects.filter(pk__in=found.ancestor_ids).order_by("path")
    )
    return render(request, "transparency/scope.html", context)


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def open_data(request, name: str):
    """One file of the open data, built from the published snapshot (the same bytes as the
    daily `observatory_publish` command writes, but for the date of generation)."""
    if name not in opendata.FILES:
        raise Http404("Fichier inconnu.")
    dump = opendata.build_dump(request.build_absolute_uri("/"))
    response = HttpResponse(
        dump.files[name], content_type=opendata.CONTENT_TYPES[name[name.rindex(".") :]]
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
