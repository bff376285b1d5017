"""Public search page of the advice catalogue: /conseils/recherche/?q=…&public=…&evenement=…"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import Audience, LifeEvent, public_entries_q
from bonnefoi.advice.search import MAX_QUERY_LENGTH, search_entries, search_log_zero_result
from bonnefoi.advice.views.public import AUDIENCE_SLUGS, SLUG_OF_AUDIENCE
from bonnefoi.structures.models import Structure

PAGE_SIZE = 20
TITLE = "Rechercher un conseil"


def _life_events():
    """Life events with at least one published entry, for the filter."""
    return list(
        LifeEvent.objects.filter(public_entries_q("entries__"))
        .distinct()
        .order_by("audience", "position", "title")
    )


def _owners():
    """Structures owning at least one published entry, for the filter."""
    return list(
        Structure.objects.filter(
            public_entries_q("advice_entries__"),
        )
        .distinct()
        .only("pk", "name", "path")
        .order_by("name")
    )


def _url(**params) -> str:
    kept = {name: value for name, value in params.items() if value}
    return reverse("advice:search") + (f"?{urlencode(kept)}" if kept else "")


@login_not_required
@require_safe
def search(request):
    """Parse the query and filters, search, render; 400 with a French message on bad input."""
    query = request.GET.get("q", "").strip()
    public = request.GET.get("public", "").strip()
    event_slug = request.GET.get("evenement", "").strip()
    owner_param = request.GET.get("administration", "").strip()
    page_param = request.GET.get("page", "").strip()
    life_events = _life_events()
    owners = _owners()
    errors: dict[str, str] = {}

    if len(query) > MAX_QUERY_LENGTH:
        errors["q"] = (
            f"Votre recherche est trop longue : {MAX_QUERY_LENGTH} caractères au plus, "
            f"vous en avez saisi {len(query)}. Raccourcissez-la en gardant les mots importants."
        )
    audience = AUDIENCE_SLUGS.get(public)
    if public and audience is None:
        errors["public"] = "Ce public n'existe pas : choisissez-en un dans la liste."
    event = next((e for e in life_events if e.slug == event_slug), None)
    if event_slug and event is None:
        errors["evenement"] = (
            "Cet événement de vie n'existe pas ou n'a pas encore de conseil publié : "
            "choisissez-en un dans la liste."
        )
    owner = next((o for o in owners if str(o.pk) == owner_param), None)
    if owner_param and owner is None:
        errors["administration"] = (
            "Cette administration n'existe pas ou n'a pas encore publié de conseil : "
            "choisissez-en une dans la liste."
        )
    page = 1
    if page_param:
        if page_param.isdigit() and int(page_param) >= 1:
            page = int(page_param)
        else:
            errors["page"] = "Le numéro de page doit être un nombre entier, 1 ou plus."

    context = {
        "title": TITLE,
        "query": query,
        "max_length": MAX_QUERY_LENGTH,
        "errors": errors,
        "audience_options": [
            {"value": slug, "label": Audience(value).label, "selected": slug == public}
            for slug, value in AUDIENCE_SLUGS.items()
        ],
        "event_groups": [
            {
                "label": Audience(value).label,
                "events": [
                    {"value": e.slug, "label": e.title, "selected": e.slug == event_slug}
                    for e in life_events
                    if e.audience == value
                ],
            }
            for value in AUDIENCE_SLUGS.values()
            if any(e.audience == value for e in life_events)
        ],
        "owner_options": [
            {"value": str(o.pk), "label": o.name, "selected": str(o.pk) == owner_param}
            for o in owners
        ],
        "audience_links": [
            {"slug": slug, "label": Audience(value).label} for slug, value in AUDIENCE_SLUGS.items()
        ],
        "searched": False,
        "filtered": bool(public or event_slug or owner_param),
    }
    if errors:
        context["title"] = f"Erreur — {TITLE}"
        return render(request, "advice/search.html", context, status=400)
    if not query:
        return render(request, "advice/search.html", context)

    filters = {
        "audience": audience,
        "life_event": event.slug if event else None,
        "owner": owner.pk if owner else None,
    }
    results = search_entries(query, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if results.total == 0 and page == 1:
        search_log_zero_result(query, **filters)
    last_page = max(1, -(-results.total // PAGE_SIZE))
    params = {"q": query, "public": public, "evenement": event_slug, "administration": owner_param}
    context.update(
        {
            "title": f"« {query} » — {TITLE}",
            "searched": True,
            "results": results,
            "hits": [
                {
                    "hit": hit,
                    "audience_label": Audience(hit.audience).label,
                    "audience_slug": SLUG_OF_AUDIENCE[hit.audience],
                }
                for hit in results.hits
            ],
            "page": page,
            "last_page": last_page,
            "past_the_end": page > last_page,
            "first_hit": (page - 1) * PAGE_SIZE + 1,
            "last_hit": (page - 1) * PAGE_SIZE + len(results.hits),
            "previous_url": _url(**params, page=page - 1 if page > 2 else None) if page > 1 else "",
            "next_url": _url(**params, page=page + 1) if page < last_page else "",
            "first_url": _url(**params),
            "unfiltered_url": _url(q=query),
        }
    )
    return render(request, "advice/search.html", context)
