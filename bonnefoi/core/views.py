"""Public pages of the platform shell: home, legal pages, error pages."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from bonnefoi.core.context_processors import site


@login_not_required
@require_safe
def home(request):
    return render(request, "core/home.html", {"title": "Accueil"})


@login_not_required
@require_safe
def accessibility(request):
    return render(request, "core/accessibility.html", {"title": "Accessibilité"})


@login_not_required
@require_safe
def legal_notice(request):
    return render(request, "core/legal_notice.html", {"title": "Mentions légales"})


@login_not_required
@require_safe
def personal_data(request):
    return render(request, "core/personal_data.html", {"title": "Données personnelles"})


@login_not_required
@require_safe
def sitemap(request):
    return render(request, "core/sitemap.html", {"title": "Plan du site"})


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "core/404.html", {"title": "Page non trouvée"}, status=404)


@login_not_required
def csrf_failure(request, reason: str = ""):
    """Django's CSRF refusal (an expired form, cookies blocked, a post from another site),
    as a DSFR page in French; the technical reason is not shown (it is in the server log)."""
    return render(
        request,
        "core/403_csrf.html",
        {"title": "Formulaire expiré ou envoyé depuis un autre site"},
        status=403,
    )


@login_not_required
def server_error(request):
    """DSFR 500 page rendered without context processors: the failure may come from the
    database (sessions, users), so nothing here may query it again."""
    context = {**site(request), "request": request, "title": "Erreur inattendue"}
    html = loader.get_template("core/500.html").render(context)
    return HttpResponseServerError(html)
