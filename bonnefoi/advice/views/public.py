"""Public pages of the advice catalogue: audiences, life events, entries (published only)."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from bonnefoi.advice.models import Audience, Entry, LegalReference, LifeEvent
from bonnefoi.advice.selectors import entry_for_public, entry_is_stale, life_events_for
from bonnefoi.advice.signals import NAMESPACE
from bonnefoi.core.page_cache import cache_public_page

AUDIENCE_SLUGS = {
    "particuliers": Audience.PARTICULIER,
    "professionnels": Audience.PROFESSIONNEL,
    "associations": Audience.ASSOCIATION,
}
SLUG_OF_AUDIENCE = {value: slug for slug, value in AUDIENCE_SLUGS.items()}


def _audience(slug: str) -> str:
    try:
        return AUDIENCE_SLUGS[slug]
    except KeyError:
        raise Http404("Public inconnu.") from None


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def home(request):
    """The catalogue's home: one block per audience with its life events."""
    audiences = [
        {
            "label": Audience(value).label,
            "slug": slug,
            "life_events": list(life_events_for(value)),
        }
        for slug, value in AUDIENCE_SLUGS.items()
    ]
    return render(
        request,
        "advice/home.html",
        {"title": "Éviter les erreurs fréquentes", "audiences": audiences},
    )


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def audience(request, audience_slug: str):
    value = _audience(audience_slug)
    return render(
        request,
        "advice/audience.html",
        {
            "title": f"Erreurs fréquentes — {Audience(value).label}",
            "audience_label": Audience(value).label,
            "audience_slug": audience_slug,
            "life_events": list(life_events_for(value)),
        },
    )


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def life_event(request, audience_slug: str, slug: str):
    value = _audience(audience_slug)
    event = get_object_or_404(LifeEvent, audience=value, slug=slug)
    entries = list(
        Entry.objects.published()
        .filter(life_events=event)
        .order_by("current_version__content__title", "slug")
    )
    return render(
        request,
        "advice/life_event.html",
        {
            "title": event.title,
            "event": event,
            "audience_label": Audience(value).label,
            "audience_slug": audience_slug,
            "entries": [{"entry": e, "content": e.current_version.content} for e in entries],
        },
    )


@login_not_required
@require_safe
@cache_public_page(NAMESPACE)
def entry(request, slug: str):
    try:
        found = entry_for_public(slug)
    except Entry.DoesNotExist:
        raise Http404("Ce conseil n'existe pas ou n'est pas publié.") from None
    content = found.current_version.content
    references = list(
        LegalReference.objects.filter(key__in=content["legal_references"]).order_by(
            "code", "article"
        )
    )
    return render(
        request,
        "advice/entry.html",
        {
            "title": content["title"],
            "entry": found,
            "content": content,
            "version": found.current_version,
            "history": list(found.versions.all()),
            "references": references,
            "stale": entry_is_stale(found),
            "audience_slug": SLUG_OF_AUDIENCE[found.audience],
            "audience_label": Audience(found.audience).label,
            "life_events": list(found.life_events.all()),
        },
    )
