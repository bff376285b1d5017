"""Public pages of the correction channel (declaration form, tracking page)."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bonnefoi.cases.services import case_by_tracking


@login_not_required
@require_safe
def track(request, reference: str, secret: str):
    case = case_by_tracking(reference, secret)
    if case is None:
        raise Http404("Lien de suivi inconnu ou périmé.")
    return render(request, "cases/track.html", {"title": f"Dossier {case.reference}", "case": case})
